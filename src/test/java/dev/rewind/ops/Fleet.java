package dev.rewind.ops;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RdiffBackup;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.TreeBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A repository root with three hosts, as a backup server holds them: {@code web1} written by the
 * real rdiff-backup (three sessions a day apart, the third without changes), {@code db} by {@code
 * rewind backup} (two sessions) and {@link #ODD} (a name that needs escaping in HTML and JSON,
 * one session by {@code rewind backup}), plus an empty state directory.
 */
final class Fleet {
  static final long T1 = 1711962000L; // 2024-04-01T09:00:00Z
  static final long DAY = 86400L;
  static final String ODD = "<b>&\"x' o";
  /** Bytes new or changed in web1's second session: c.bin (new) and a.bin (rewritten). */
  static final long WEB1_SESSION2_CHANGED = 100_000 + 10_000;

  final Path root;
  final Path stateDir;

  private Fleet(Path root, Path stateDir) {
    this.root = root;
    this.stateDir = stateDir;
  }

  static Fleet build(Path dir) throws IOException {
    Fleet f = new Fleet(dir.resolve("srv"), dir.resolve("state"));
    Files.createDirectories(f.root);
    Files.createDirectories(f.stateDir);
    RdiffBackup rdiff = RdiffBackup.withTz("UTC");
    Path web = dir.resolve("src-web1");
    TreeBuilder t = TreeBuilder.at(web, T1 - 3600).randomFile("a.bin", 10_000, 1).file("b.txt", "bee\n");
    rdiff.backup(web, f.root.resolve("web1"), T1);
    t.clock(T1 + DAY - 3600).randomFile("c.bin", 100_000, 2).delete("a.bin").randomFile("a.bin", 10_000, 3);
    rdiff.backup(web, f.root.resolve("web1"), T1 + DAY);
    rdiff.backup(web, f.root.resolve("web1"), T1 + 2 * DAY);

    Path db = dir.resolve("src-db");
    TreeBuilder d = TreeBuilder.at(db, T1 - 3600).randomFile("dump.sql", 50_000, 4);
    rewindBackup(db, f.root.resolve("db"), T1);
    d.clock(T1 + DAY - 3600).append("dump.sql", "INSERT 1;\n");
    rewindBackup(db, f.root.resolve("db"), T1 + DAY);

    Path odd = dir.resolve("src-odd");
    TreeBuilder.at(odd, T1 - 3600).file("x", "x\n");
    rewindBackup(odd, f.root.resolve(ODD), T1 + DAY);
    return f;
  }

  static Proc.Result rewindBackup(Path src, Path repo, long time) {
    return RewindJar.run("UTC", "--current-time", Long.toString(time), "backup", src.toString(), repo.toString()).expect(0);
  }

  /** Writes {@code <state>/<host>.state} as pull does. */
  void state(String host, String... lines) throws IOException {
    Files.writeString(PullState.file(stateDir, host), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  /** {@code rewind --current-time NOW VERB --root ROOT --state-dir STATE ARGS...}. */
  Proc.Result rewind(long now, String verb, String... args) {
    String[] all = new String[args.length + 7];
    all[0] = "--current-time";
    all[1] = Long.toString(now);
    all[2] = verb;
    all[3] = "--root";
    all[4] = root.toString();
    all[5] = "--state-dir";
    all[6] = stateDir.toString();
    System.arraycopy(args, 0, all, 7, args.length);
    return RewindJar.run("UTC", all);
  }
}
