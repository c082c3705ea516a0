package dev.rewind.delta;

import static dev.rewind.delta.Deltas.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** MD4 (RFC 1320 test suite) and BLAKE2b-256 as librsync uses them, and the in-process SHA-256. */
class StrongHashTest {
  private final StrongHash md4 = new StrongHash(SignatureKind.MD4_ROLLSUM);
  private final StrongHash blake2 = new StrongHash(SignatureKind.BLAKE2_RABINKARP);
  private final StrongHash sha256 = new StrongHash(StrongFunction.SHA256);

  @Test
  void md4_rfc1320Vectors_match() {
    String[][] vectors = {
      {"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
      {"a", "bde52cb31de33e46245e05fbdbd6fb24"},
      {"abc", "a448017aaf21d8525fc10ae87aa6729d"},
      {"message digest", "d9130a8164549fe818874806e1c7014b"},
      {"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"},
      {"1234567890".repeat(8), "e33b4ddc9c38f2199c3e7b164fcc0536"},
    };
    for (String[] v : vectors) {
      assertArrayEquals(hex(v[1]), hash(md4, v[0]), v[0]);
    }
  }

  @Test
  void md4_reusedInstance_resetsBetweenBlocks() {
    hash(md4, "something else first");
    assertArrayEquals(hex("a448017aaf21d8525fc10ae87aa6729d"), hash(md4, "abc"));
  }

  @Test
  void blake2b256_abc_isUnkeyed32ByteDigest() {
    assertArrayEquals(hex("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"), hash(blake2, "abc"));
  }

  @Test
  void blake2b256_empty_matches() {
    assertArrayEquals(hex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"), hash(blake2, ""));
  }

  @Test
  void sha256_reusedInstance_matchesFips180Vector() {
    hash(sha256, "something else first");
    assertArrayEquals(hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), hash(sha256, "abc"));
  }

  private static byte[] hash(StrongHash h, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    return h.hash(b, 0, b.length).clone();
  }
}
