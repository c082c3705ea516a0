package dev.rewind.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.testing.Proc;
import dev.rewind.testing.RewindJar;
import dev.rewind.testing.TreeBuilder;
import dev.rewind.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code rewind report --html}: the page is self-contained, and the real headless Chromium
 * renders it with a section, a name and a chart for every host, the failed pull marked, and the
 * host name that looks like markup shown as text.
 */
class ReportIT {
  private static final long NOW = Fleet.T1 + 2 * Fleet.DAY + 3600;
  private static Path dir;
  private static Path page;
  private static String html;

  @BeforeAll
  static void build() throws IOException {
    RewindJar.jar();
    dir = Files.createTempDirectory("rewind-report-");
    Fleet fleet = Fleet.build(dir);
    fleet.state("db", "last_attempt=" + (NOW - 600), "last_success=" + (Fleet.T1 + Fleet.DAY), "last_result=failed",
        "last_error=ssh: Connection refused <script>alert(1)</script>", "last_duration_ms=1200");
    fleet.state("web1", "last_attempt=" + (Fleet.T1 + 2 * Fleet.DAY), "last_success=" + (Fleet.T1 + 2 * Fleet.DAY),
        "last_result=ok", "last_error=", "last_duration_ms=4000");
    page = dir.resolve("report.html");
    Proc.Result r = fleet.rewind(NOW, "report", "--html", page.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    html = Files.readString(page, StandardCharsets.UTF_8);
  }

  @AfterAll
  static void clean() throws IOException {
    if (dir != null) {
      TreeBuilder.deleteRecursively(dir);
    }
  }

  @Test
  void page_isSelfContained() {
    for (String external : List.of("<script", " src=", "href=", "url(", "@import", "<link", "<iframe")) {
      assertFalse(html.contains(external), external + " in\n" + html);
    }
    assertEquals(3, count(html, "<svg"), html);
  }

  @Test
  void chromium_rendersEveryHostWithAChart() {
    String dom = chromium("--dump-dom", page.toUri().toString()).out();
    List<String> sections = sections(dom);
    assertEquals(3, sections.size(), dom);
    List<String> names = new ArrayList<>();
    for (String s : sections) {
      names.add(s.substring(s.indexOf("<h2>") + 4, s.indexOf(" <span")));
      assertTrue(s.contains("<svg class=\"chart\""), s);
    }
    // sorted by name; the odd one is text, not markup
    assertEquals(List.of("&lt;b&gt;&amp;\"x' o", "db", "web1"), names);
    assertFalse(dom.contains("<b>"), dom);
    assertFalse(dom.contains("<script"), dom);
    String db = sections.get(1);
    assertTrue(db.contains("<g class=\"failure\">"), db);
    assertTrue(db.contains("pull failed at 2024-04-03 09:50 UTC: ssh: Connection refused &lt;script&gt;"), db);
    String web1 = sections.get(2);
    assertFalse(web1.contains("class=\"failure\""), web1);
    assertEquals(3, count(web1, "<circle class=\"size\""), web1);
    assertEquals(3, count(web1, "<rect class=\"changed\""), web1);
  }

  @Test
  void chromium_screenshot_isAPicture() throws IOException {
    Path png = dir.resolve("report.png");
    chromium("--window-size=1000,2400", "--screenshot=" + png, page.toUri().toString());
    byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
    if (System.getenv("REWIND_KEEP_REPORT_PNG") != null) {
      Files.copy(png, Path.of(System.getenv("REWIND_KEEP_REPORT_PNG")), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The real browser, headless, with a private profile and nothing fetched in the background. */
  private static Proc.Result chromium(String... args) {
    Tools.require("chromium");
    Path profile = dir.resolve("chromium-profile-" + System.nanoTime());
    List<String> cmd = new ArrayList<>(List.of(Tools.find("chromium").toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
    cmd.addAll(List.of(args));
    return Proc.run(cmd, dir, Map.of("HOME", dir.toString()), Duration.ofSeconds(120)).expect(0);
  }

  private static List<String> sections(String dom) {
    List<String> out = new ArrayList<>();
    for (int at = dom.indexOf("<section class=\"host\">"); at >= 0; ) {
      int end = dom.indexOf("</section>", at);
      out.add(dom.substring(at, end));
      at = dom.indexOf("<section class=\"host\">", end);
    }
    return out;
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
