package dev.rewind.source.sftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SftpAddressTest {
  @Test
  void parse_urlWithPort_allParts() {
    SftpAddress a = SftpAddress.parse("sftp://backuphelper@web1.example.org:2222/srv/www/");
    assertEquals("backuphelper", a.user());
    assertEquals("web1.example.org", a.host());
    assertEquals(2222, a.port());
    assertArrayEquals("/srv/www".getBytes(), a.path());
    assertEquals("sftp://backuphelper@web1.example.org:2222/srv/www", a.toString());
  }

  @Test
  void parse_urlWithoutPathOrPort_rootOnPort22() {
    SftpAddress a = SftpAddress.parse("sftp://u@10.0.0.5");
    assertEquals(22, a.port());
    assertArrayEquals("/".getBytes(), a.path());
  }

  @Test
  void parse_rdiffBackupForm_sameAsUrl() {
    assertEquals(SftpAddress.parse("sftp://root@db1/etc"), SftpAddress.parse("root@db1::/etc"));
  }

  @Test
  void parse_ipv6InBrackets_hostWithoutBrackets() {
    SftpAddress a = SftpAddress.parse("sftp://u@[::1]:2200/x");
    assertEquals("::1", a.host());
    assertEquals("sftp://u@[::1]:2200/x", a.toString());
  }

  @Test
  void parse_badInput_oneLineErrorsNamingThePart() {
    assertEquals("bad port 70000 for host 'h' (1-65535)",
        assertThrows(IllegalArgumentException.class, () -> SftpAddress.parse("sftp://u@h:70000/x")).getMessage());
    assertEquals("remote path in 'u@h::etc' must be absolute (USER@HOST::/PATH)",
        assertThrows(IllegalArgumentException.class, () -> SftpAddress.parse("u@h::etc")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SftpAddress.parse("sftp://h/x"))
        .getMessage().contains("expected sftp://USER@HOST[:PORT]/PATH"));
    assertEquals("bad host name 'a_b'",
        assertThrows(IllegalArgumentException.class, () -> SftpAddress.parse("sftp://u@a_b/x")).getMessage());
  }

  @Test
  void looksRemote_localPathsAreNot() {
    assertTrue(SftpAddress.looksRemote("sftp://u@h/x"));
    assertTrue(SftpAddress.looksRemote("u@h::/x"));
    assertFalse(SftpAddress.looksRemote("/srv/data"));
    assertFalse(SftpAddress.looksRemote("./user@host"));
    assertFalse(SftpAddress.looksRemote("mail@example.org"));
  }

  @Test
  void unsigned_timeAfter2038_positive() {
    assertEquals(2_200_000_000L, RemoteTimes.unsigned((int) 2_200_000_000L));
    assertEquals(1_700_000_000L, RemoteTimes.unsigned(1_700_000_000L));
  }
}
