package dev.rewind.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountOptionsTest {
  @Test
  void parse_nothing_defaults() {
    MountOptions o = MountOptions.defaults();
    assertEquals(ZoneId.systemDefault(), o.zone());
    assertFalse(o.numericIds());
    assertEquals(64L << 20, o.memoryBytes());
    assertEquals(2L << 20, o.memoryMaxFile());
    assertEquals(4L << 30, o.diskBytes());
    assertEquals(256L << 20, o.indexBytes());
    assertEquals((256L + 64 + 256) << 20, o.heapBytes());
    assertEquals(Duration.ofSeconds(1), o.refresh());
    assertTrue(o.warmUp());
    assertEquals(List.of(), o.fuseOptions());
    assertEquals("ro,default_permissions,use_ino,subtype=rewind,fsname=/srv/a\\,b,entry_timeout=60,attr_timeout=60,"
        + "nosuid,nodev", o.fuseOptionString("/srv/a,b"));
  }

  @Test
  void parse_ownAndFuseOptions_acrossSeveralDashO() {
    MountOptions o = MountOptions.parse(List.of("ro,allow_other,tz=Asia/Tokyo", "numeric_ids,cache_mem=1G,index_mem=512K",
        "cache_disk=10g,cache_dir=/x,refresh=0.5,timeout=30,threads=3,entry_timeout=5,log=/l"));
    assertEquals(ZoneId.of("Asia/Tokyo"), o.zone());
    assertTrue(o.numericIds());
    assertTrue(o.allowOther());
    assertEquals(1L << 30, o.memoryBytes());
    assertEquals(512L << 10, o.indexBytes());
    assertEquals(10L << 30, o.diskBytes());
    assertEquals(Path.of("/x"), o.cacheDir());
    assertEquals(Duration.ofMillis(500), o.refresh());
    assertEquals(Duration.ofSeconds(30), o.timeout());
    assertEquals(3, o.threads());
    assertTrue(o.warmUp());
    assertFalse(MountOptions.parse(List.of("no_warm_up")).warmUp());
    assertTrue(o.readdirPlus());
    assertFalse(MountOptions.parse(List.of("no_readdirplus")).readdirPlus());
    assertEquals(0, o.keepStableSeconds(), "an entry_timeout of the user's own is kept for every entry");
    assertEquals(MountOptions.KEEP_STABLE_SECONDS, MountOptions.parse(List.of()).keepStableSeconds());
    assertEquals(0, MountOptions.parse(List.of("attr_timeout=1")).keepStableSeconds());
    assertEquals(Path.of("/l"), o.log());
    assertEquals("ro,default_permissions,use_ino,subtype=rewind,fsname=r,attr_timeout=60,allow_other,entry_timeout=5,"
        + "nosuid,nodev", o.fuseOptionString("r"));
  }

  @Test
  void parse_mount8Bookkeeping_ignoredWithNotesWhereItMatters() {
    MountOptions o = MountOptions.parse(List.of("rw,suid,dev,defaults,noauto,_netdev,x-systemd.automount,nofail,user"));
    assertEquals(List.of(), o.fuseOptions());
    assertEquals(3, o.notes().size(), o.notes().toString());
  }

  @Test
  void parse_badInput_oneLineErrorNamingTheOption() {
    assertEquals("unknown mount option 'bogus'",
        assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("bogus"))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("tz=Mars/Base")))
        .getMessage().contains("tz=Mars/Base"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("cache_mem=lots")))
        .getMessage().contains("cache_mem=lots"));
    assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("cache_mem")));
    assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("numeric_ids=1")));
    assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("threads=0")));
    assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("timeout=-1")));
    assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("entry_timeout")));
  }

  @Test
  void size_units() {
    assertEquals(5, MountOptions.size("x", "5"));
    assertEquals(5 << 10, MountOptions.size("x", "5k"));
    assertEquals(5L << 40, MountOptions.size("x", "5TB"));
  }
}
