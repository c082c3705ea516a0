package dev.rewind.posix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * Converts between getfacl-style ACL text (as rdiff-backup records it) and the kernel's {@code
 * system.posix_acl_access} / {@code system.posix_acl_default} xattr values. Encoding maps named
 * entries to local ids by name (digits are ids) and drops, as rdiff-backup does, entries whose
 * name does not exist here; decoding writes names where the id has one, else the id.
 */
public final class AclCodec {
  public static final byte[] ACCESS = "system.posix_acl_access".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  public static final byte[] DEFAULT = "system.posix_acl_default".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final int VERSION = 2;
  private static final int USER_OBJ = 0x01;
  private static final int USER = 0x02;
  private static final int GROUP_OBJ = 0x04;
  private static final int GROUP = 0x08;
  private static final int MASK = 0x10;
  private static final int OTHER = 0x20;
  private static final long UNDEFINED_ID = 0xffffffffL;

  private record Entry(int tag, int perm, long id) {}

  /** The encoded value and the entries that had to be dropped. */
  public record Encoded(byte[] access, byte[] defaults, List<String> dropped) {}

  private AclCodec() {}

  public static Encoded encode(List<String> lines, Accounts accounts) {
    List<Entry> access = new ArrayList<>();
    List<Entry> defaults = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (String raw : lines) {
      String line = raw.trim();
      boolean isDefault = line.startsWith("default:");
      String body = isDefault ? line.substring("default:".length()) : line;
      String[] parts = body.split(":", -1);
      if (parts.length != 3) {
        dropped.add(raw);
        continue;
      }
      Entry e = entry(parts, accounts);
      if (e == null) {
        dropped.add(raw);
      } else {
        (isDefault ? defaults : access).add(e);
      }
    }
    return new Encoded(toXattr(access), defaults.isEmpty() ? null : toXattr(defaults), dropped);
  }

  private static Entry entry(String[] parts, Accounts accounts) {
    int perm = perm(parts[2]);
    String qualifier = parts[1];
    return switch (parts[0]) {
      case "user" -> qualifier.isEmpty() ? new Entry(USER_OBJ, perm, UNDEFINED_ID)
          : named(USER, perm, qualifier.matches("\\d+") ? OptionalLong.of(Long.parseLong(qualifier)) : accounts.uid(qualifier));
      case "group" -> qualifier.isEmpty() ? new Entry(GROUP_OBJ, perm, UNDEFINED_ID)
          : named(GROUP, perm, qualifier.matches("\\d+") ? OptionalLong.of(Long.parseLong(qualifier)) : accounts.gid(qualifier));
      case "mask" -> new Entry(MASK, perm, UNDEFINED_ID);
      case "other" -> new Entry(OTHER, perm, UNDEFINED_ID);
      default -> null;
    };
  }

  private static Entry named(int tag, int perm, OptionalLong id) {
    return id.isPresent() ? new Entry(tag, perm, id.getAsLong()) : null;
  }

  private static int perm(String rwx) {
    int p = 0;
    for (char c : rwx.toCharArray()) {
      p |= c == 'r' ? 4 : c == 'w' ? 2 : c == 'x' ? 1 : 0;
    }
    return p;
  }

  /**
   * The getfacl lines for an entry's ACL xattrs, or an empty list when the ACL is basic (only
   * the three entries that the mode bits already say) and there is no default ACL.
   */
  public static List<String> decode(byte[] access, byte[] defaults, Accounts accounts) {
    List<String> out = new ArrayList<>();
    List<Entry> a = access == null ? List.of() : fromXattr(access);
    List<Entry> d = defaults == null ? List.of() : fromXattr(defaults);
    if (a.size() <= 3 && d.isEmpty()) {
      return out;
    }
    for (Entry e : a) {
      out.add(text(e, accounts));
    }
    for (Entry e : d) {
      out.add("default:" + text(e, accounts));
    }
    return out;
  }

  private static List<Entry> fromXattr(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    List<Entry> out = new ArrayList<>();
    if (value.length < 4 || b.getInt() != VERSION) {
      return out;
    }
    while (b.remaining() >= 8) {
      out.add(new Entry(Short.toUnsignedInt(b.getShort()), Short.toUnsignedInt(b.getShort()),
          Integer.toUnsignedLong(b.getInt())));
    }
    out.sort(Comparator.comparingInt(Entry::tag).thenComparingLong(Entry::id));
    return out;
  }

  private static String text(Entry e, Accounts accounts) {
    String perms = ((e.perm() & 4) != 0 ? "r" : "-") + ((e.perm() & 2) != 0 ? "w" : "-")
        + ((e.perm() & 1) != 0 ? "x" : "-");
    return switch (e.tag()) {
      case USER_OBJ -> "user::" + perms;
      case USER -> "user:" + nameOr(accounts.userName(e.id()), e.id()) + ":" + perms;
      case GROUP_OBJ -> "group::" + perms;
      case GROUP -> "group:" + nameOr(accounts.groupName(e.id()), e.id()) + ":" + perms;
      case MASK -> "mask::" + perms;
      default -> "other::" + perms;
    };
  }

  private static String nameOr(String name, long id) {
    return name != null ? name : Long.toString(id);
  }

  private static byte[] toXattr(List<Entry> entries) {
    entries.sort(Comparator.comparingInt(Entry::tag).thenComparingLong(Entry::id));
    ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(VERSION);
    for (Entry e : entries) {
      b.putShort((short) e.tag()).putShort((short) e.perm()).putInt((int) e.id());
    }
    return b.array();
  }
}
