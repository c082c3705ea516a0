package dev.rewind.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AccountsTest {
  /** Every account getent lists: name to id and (for the first name of an id) id to name. */
  @Test
  void lookups_agreeWithGetent() throws Exception {
    Accounts accounts = new Accounts();
    for (String db : new String[] {"passwd", "group"}) {
      boolean users = db.equals("passwd");
      Process p = new ProcessBuilder("getent", db).redirectErrorStream(true).start();
      List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "getent " + db);
      assertTrue(lines.size() > 3, "getent " + db + " lists accounts");
      Set<Long> seen = new HashSet<>();
      for (String line : lines) {
        String[] f = line.split(":", -1);
        long id = Long.parseLong(f[2]);
        assertEquals(OptionalLong.of(id), users ? accounts.uid(f[0]) : accounts.gid(f[0]), line);
        if (seen.add(id)) {
          assertEquals(f[0], users ? accounts.userName(id) : accounts.groupName(id), line);
        }
      }
    }
    assertEquals(OptionalLong.empty(), accounts.uid("no-such-user-rewind"));
    assertEquals(OptionalLong.empty(), accounts.gid("no-such-group-rewind"));
    assertNull(accounts.userName(3_999_999_000L));
    assertNull(accounts.groupName(3_999_999_000L));
  }

  @Test
  void lookups_fromManyThreadsAndInstances_neverMixUpAnswers() throws Exception {
    Accounts reference = new Accounts();
    String root = reference.userName(0);
    String nobody = reference.userName(65534);
    String rootGroup = reference.groupName(0);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 500; i++) {
            Accounts fresh = new Accounts(); // nothing cached: every call reaches libc
            if ((i + thread) % 2 == 0) {
              assertEquals(root, fresh.userName(0));
              assertEquals(rootGroup, fresh.groupName(0));
            } else {
              assertEquals(nobody, fresh.userName(65534));
              assertEquals(root == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(0), fresh.uid(root));
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
