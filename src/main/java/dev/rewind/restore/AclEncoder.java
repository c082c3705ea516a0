package dev.rewind.restore;

import dev.rewind.posix.Accounts;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * Turns getfacl-style ACL text (as rdiff-backup records it) into the kernel's {@code
 * system.posix_acl_access} / {@code system.posix_acl_default} xattr values. Named entries are
 * mapped to local ids by name (digits are ids); an entry whose name does not exist here is
 * dropped, as rdiff-backup does, and reported.
 */
final class AclEncoder {
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
  record Encoded(byte[] access, byte[] defaults, List<String> dropped) {}

  private AclEncoder() {}

  static Encoded encode(List<String> lines, Accounts accounts) {
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
