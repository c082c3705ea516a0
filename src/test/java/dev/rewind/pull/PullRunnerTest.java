package dev.rewind.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.backup.RepositoryLock;
import dev.rewind.config.HostConfig;
import dev.rewind.core.RelPath;
import dev.rewind.posix.Posix;
import dev.rewind.source.SourceEntry;
import dev.rewind.source.SourceTree;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PullRunnerTest {
  /** Stands for the network in these tests: every remote host is unreachable. */
  private static final SourceOpener UNREACHABLE = (host, root) -> {
    throw new IOException("cannot reach " + host.address());
  };

  private static final long T1 = 1_780_000_000L;
  @TempDir Path work;
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  @org.junit.jupiter.api.BeforeEach
  void dirs() throws IOException {
    Files.createDirectories(work.resolve("src"));
  }

  private HostConfig host(String name, String address, String path, String retention) {
    return new HostConfig(name, work.resolve("conf/hosts.d/" + name + ".conf"), address, 22, "u", Path.of("/k"),
        List.of(path), List.of(), List.of(), retention, work.resolve("repos/" + name), true);
  }

  private HostConfig localHostWithTree(String name) {
    Path src = work.resolve("src/" + name);
    TreeBuilder.at(src, T1 - 100).file("a", "alpha of " + name).dir("d").file("d/b", "beta");
    return host(name, "local", src.toString(), "30D");
  }

  private PullRunner runner(long now, int parallel, SourceOpener opener) {
    return new PullRunner(new PullRunner.Settings(now, ZoneId.of("UTC"), parallel, work.resolve("state"), List.of(),
        opener, t -> String.valueOf(t.getMessage())));
  }

  private PullRunner runner(long now) {
    return runner(now, 2, SourceOpener.localOr(UNREACHABLE));
  }

  @Test
  void failingHosts_doNotStopTheOthers_andEveryAttemptIsRecorded() throws IOException {
    HostConfig good = localHostWithTree("good");
    HostConfig missing = host("missing", "local", work.resolve("nope").toString(), "30D");
    HostConfig remote = host("remote", "web1.example.org", "/", "30D");
    List<HostResult> r = runner(T1).run(List.of(good, missing, remote), log::add);

    assertEquals(List.of(HostResult.Outcome.OK, HostResult.Outcome.FAILED, HostResult.Outcome.FAILED),
        r.stream().map(HostResult::outcome).toList());
    assertTrue(r.get(0).line().startsWith("good: ok, session 2026-05-28T20:26:40Z, 4 files, "), r.get(0).line());
    assertTrue(r.get(1).line().startsWith("missing: FAILED: ") && r.get(1).line().contains(work.resolve("nope").toString()),
        r.get(1).line());
    assertTrue(r.get(2).line().contains("cannot reach web1.example.org"), r.get(2).line());
    assertEquals("3 hosts: 1 ok, 2 failed", PullRunner.summary(r));
    assertTrue(log.containsAll(r.stream().map(HostResult::line).toList()), log.toString());

    Path state = work.resolve("state/good.state");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(work.resolve("state"))));
    PullState ok = PullState.readOrNull(state);
    assertEquals(new PullState(T1, OptionalLong.of(T1), "ok", "", ok.lastDurationMs()), ok);
    PullState failed = PullState.readOrNull(work.resolve("state/missing.state"));
    assertEquals("failed", failed.lastResult());
    assertEquals(OptionalLong.empty(), failed.lastSuccess());
    assertEquals(r.get(1).message(), failed.lastError());
    assertTrue(Files.notExists(work.resolve("repos/missing")), "a missing source leaves no repository behind");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(work.resolve("repos/good"))));
  }

  @Test
  void failure_keepsTheLastSuccess() throws IOException {
    HostConfig h = localHostWithTree("h");
    runner(T1).run(List.of(h), log::add);
    TreeBuilder.deleteRecursively(work.resolve("src/h"));
    HostResult r = runner(T1 + 60).run(List.of(h), log::add).get(0);
    assertEquals(HostResult.Outcome.FAILED, r.outcome());
    PullState s = PullState.readOrNull(work.resolve("state/h.state"));
    assertEquals(T1 + 60, s.lastAttempt());
    assertEquals(OptionalLong.of(T1), s.lastSuccess());
  }

  @Test
  void lockedRepository_failsOnlyThatHost() throws IOException {
    HostConfig a = localHostWithTree("a");
    HostConfig b = localHostWithTree("b");
    runner(T1).run(List.of(a, b), log::add);
    try (RepositoryLock held = RepositoryLock.acquire(Posix.bytes(a.repository().resolve("rdiff-backup-data")), "test")) {
      List<HostResult> r = runner(T1 + 60).run(List.of(a, b), log::add);
      assertEquals(HostResult.Outcome.FAILED, r.get(0).outcome());
      assertTrue(r.get(0).message().contains("is locked by pid " + ProcessHandle.current().pid()), r.get(0).message());
      assertEquals(HostResult.Outcome.OK, r.get(1).outcome());
    }
  }

  @Test
  void retention_removesSessionsOlderThanIt_afterASuccessfulPull() throws IOException {
    HostConfig h = host("h", "local", work.resolve("src/h").toString(), "2D");
    TreeBuilder tree = TreeBuilder.at(work.resolve("src/h"), T1 - 100).file("a", "one");
    runner(T1).run(List.of(h), log::add);
    tree.write("a", "two");
    assertEquals(0, runner(T1 + 86400).run(List.of(h), log::add).get(0).removedSessions());
    tree.write("a", "three");
    HostResult r = runner(T1 + 3 * 86400).run(List.of(h), log::add).get(0);
    assertEquals(1, r.removedSessions(), r.line());
    assertTrue(r.line().endsWith(", removed 1 old session"), r.line());
  }

  @Test
  void unreadableFile_makesThePullPartial_andSkipsRetention() throws IOException {
    HostConfig h = host("h", "local", work.resolve("src/h").toString(), "1D");
    TreeBuilder tree = TreeBuilder.at(work.resolve("src/h"), T1 - 100).file("a", "one").file("b", "bee");
    runner(T1).run(List.of(h), log::add);
    tree.clock(T1).write("a", "second");
    SourceOpener local = SourceOpener.localOr(UNREACHABLE);
    SourceOpener failingA = (host, root) -> new Counted(local.open(host, root), new AtomicInteger()) {
      @Override
      public InputStream open(RelPath path) throws IOException {
        if (path.equals(RelPath.of("a"))) {
          throw new IOException("cannot read a: injected");
        }
        return super.open(path);
      }
    };
    HostResult r = runner(T1 + 3 * 86400, 1, failingA).run(List.of(h), log::add).get(0);
    assertEquals(HostResult.Outcome.PARTIAL, r.outcome(), r.line());
    assertTrue(r.line().startsWith("h: partial, session "), r.line());
    assertTrue(r.message().startsWith("1 file failed, first: ") && r.message().contains("injected"), r.message());
    assertEquals(0, r.removedSessions(), "no retention after a partial session");
    PullState s = PullState.readOrNull(work.resolve("state/h.state"));
    assertEquals("partial", s.lastResult());
    assertEquals(r.message(), s.lastError());
    assertEquals(OptionalLong.of(T1 + 3 * 86400), s.lastSuccess(), "a partial session is a session");
    assertEquals("2 hosts: 0 ok, 1 partial, 1 failed", PullRunner.summary(List.of(r, HostResult.failed("x", r.elapsed(), "e"))));
  }

  @Test
  void parallel_boundsHowManyHostsRunAtOnce() throws IOException {
    assertEquals(2, maxConcurrent(2, 5));
    assertEquals(1, maxConcurrent(1, 3));
  }

  /** Pulls {@code hosts} hosts; each waits (bounded) until {@code parallel} of them are open together. */
  private int maxConcurrent(int parallel, int hosts) throws IOException {
    AtomicInteger open = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    CyclicBarrier together = new CyclicBarrier(parallel);
    SourceOpener local = SourceOpener.localOr(UNREACHABLE);
    SourceOpener counting = (host, root) -> {
      max.accumulateAndGet(open.incrementAndGet(), Math::max);
      try {
        together.await(30, TimeUnit.SECONDS); // fails the host unless `parallel` hosts are open at once
      } catch (Exception e) {
        throw new IOException("not " + parallel + " hosts at once: " + e, e);
      }
      return new Counted(local.open(host, root), open);
    };
    List<HostConfig> list = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      list.add(localHostWithTree("p" + parallel + "h" + i));
    }
    List<HostResult> r = runner(T1, parallel, counting).run(list.subList(0, hosts - hosts % parallel), log::add);
    r.forEach(x -> assertEquals(HostResult.Outcome.OK, x.outcome(), x.line()));
    return max.get();
  }

  /** A tree that counts itself closed. */
  private static class Counted implements SourceTree {
    private final SourceTree tree;
    private final AtomicInteger open;

    Counted(SourceTree tree, AtomicInteger open) {
      this.tree = tree;
      this.open = open;
    }

    @Override
    public String describe() {
      return tree.describe();
    }

    @Override
    public SourceEntry stat(RelPath path) throws IOException {
      return tree.stat(path);
    }

    @Override
    public List<SourceEntry> list(RelPath dir) throws IOException {
      return tree.list(dir);
    }

    @Override
    public InputStream open(RelPath path) throws IOException {
      return tree.open(path);
    }

    @Override
    public void close() throws IOException {
      open.decrementAndGet();
      tree.close();
    }
  }
}
