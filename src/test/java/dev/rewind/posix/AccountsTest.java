package dev.rewind.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class AccountsTest {
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
