package io.drover.sim.report;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import io.drover.sim.report.Report.Check;
import io.drover.sim.report.Report.Distribution;
import io.drover.sim.report.Report.Figure;
import io.drover.sim.report.Report.Point;
import io.drover.sim.report.Report.Series;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  static final String HOSTILE = "</script><script>alert(1)</script> \"quoted\" & 'single' <b>bold</b> <!--";
  static final Pattern DATA_BLOCK = Pattern.compile(
      "<script type=\"application/json\" id=\"" + HtmlReport.DATA_ID + "\">(.*?)</script>", Pattern.DOTALL);

  @TempDir
  Path dir;

  @Test
  void pageInlinesChartJsAndDrawsOneChartPerUnitAndTwoPerDistribution() throws Exception {
    Path page = dir.resolve("report.html");
    HtmlReport.write(sample("1000 pods on 100 nodes"), page);
    String html = Files.readString(page, StandardCharsets.UTF_8);

    assertAll(
        () -> assertTrue(HtmlReport.ChartJs.VERSION.startsWith("4."), HtmlReport.ChartJs.VERSION),
        () -> assertTrue(html.contains(" * Chart.js v" + HtmlReport.ChartJs.VERSION), "the bundle's banner"),
        () -> assertTrue(html.contains(".Chart=e()"), "the UMD bundle's global export"),
        () -> assertFalse(html.contains(" src="), "nothing loaded from elsewhere"),
        () -> assertFalse(html.contains("<link"), "nothing loaded from elsewhere"),
        () -> assertTrue(html.contains("id=\"series-0\"") && html.contains("id=\"series-1\"")),
        () -> assertFalse(html.contains("id=\"series-2\""), "pods bound and running per second share a chart"),
        () -> assertTrue(html.contains("id=\"histogram-1\"") && html.contains("id=\"cdf-1\"")),
        () -> assertTrue(html.contains("<tr class=\"fail\"><td class=\"mark\">&#10007; FAIL</td>"
            + "<th>no overcommitted node</th>")),
        () -> assertTrue(html.contains("<tr class=\"pass\"><td class=\"mark\">&#10003; pass</td>"
            + "<th>no lost pod</th>")),
        () -> assertTrue(html.contains("FAIL: 1 of 2 invariants broken")));
  }

  @Test
  void embeddedDataParsesBackToTheSameReport() throws Exception {
    Report report = sample("1000 pods on 100 nodes");
    Path page = dir.resolve("report.html");
    HtmlReport.write(report, page);

    JsonNode data = dataBlock(Files.readString(page, StandardCharsets.UTF_8));
    Report back = Json.MAPPER.treeToValue(data.get("report"), Report.class);

    assertSame(report, back);
    assertEquals("1/s", data.at("/seriesCharts/0/unit").asText());
    assertEquals("[0,1]", data.at("/seriesCharts/0/series").toString());
    assertEquals("[2]", data.at("/seriesCharts/1/series").toString());
    JsonNode latencies = data.at("/distributionCharts/0");
    assertTrue(latencies.get("logBuckets").asBoolean(), "1..1000 ms spans three decades");
    long counted = 0;
    for (JsonNode count : latencies.get("counts")) {
      counted += count.asLong();
    }
    assertEquals(1000, counted);
    assertEquals(latencies.get("counts").size() + 1, latencies.get("edges").size());
  }

  @Test
  void percentilesAreTheNearestRankOfAKnownInput() {
    List<Double> shuffled = new ArrayList<>(IntStream.rangeClosed(1, 100).asDoubleStream().boxed().toList());
    Collections.shuffle(shuffled, new Random(7));
    Distribution d = new Distribution("create -> bound", "ms", shuffled.stream().mapToDouble(x -> x).toArray());

    assertAll(
        () -> assertEquals(100, d.count()),
        () -> assertEquals(50, d.p50()),
        () -> assertEquals(90, d.p90()),
        () -> assertEquals(99, d.p99()),
        () -> assertEquals(100, d.max()),
        () -> assertEquals(1, d.percentile(1)),
        () -> assertEquals(1, d.values()[0], "values are kept sorted"));
    Distribution empty = new Distribution("none", "ms", null);
    assertEquals(0, empty.count());
    assertEquals(0, empty.p99());
    String html = HtmlReport.render(new Report("t", null, null, null, null, List.of(d, empty), null, null));
    assertTrue(html.contains("<tr><th>p99</th><td class=\"value\">99</td><td class=\"unit\">ms</td></tr>"), html);
    assertTrue(html.contains("No values."));
    assertFalse(html.contains("id=\"histogram-1\""), "no chart for an empty distribution");
  }

  @Test
  void hostileNamesAreEscapedInHtmlAndCannotBreakTheDataBlock() throws Exception {
    Report report = new Report(HOSTILE, HOSTILE, Instant.parse("2026-12-06T10:00:00Z"),
        List.of(new Figure(HOSTILE, HOSTILE, HOSTILE)),
        List.of(new Series(HOSTILE, HOSTILE, List.of(new Point(1, 2)))),
        List.of(new Distribution(HOSTILE, HOSTILE, new double[] {1, 2, 3})),
        List.of(new Check(HOSTILE, false, HOSTILE)), Map.of(HOSTILE, HOSTILE));
    String html = HtmlReport.render(report);

    String escaped = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &#39;single&#39; "
        + "&lt;b&gt;bold&lt;/b&gt; &lt;!--";
    assertAll(
        () -> assertEquals(3, count(html, "<script"), "the library, the data and the drawing script only"),
        () -> assertEquals(3, count(html, "</script"), "no string closes a script element"),
        () -> assertFalse(html.contains("<b>")),
        () -> assertFalse(html.contains("alert(1)</script>")),
        () -> assertFalse(html.contains("<!--")),
        () -> assertTrue(html.contains("<title>" + escaped + "</title>")),
        () -> assertTrue(html.contains("<h1>" + escaped + "</h1>")),
        () -> assertTrue(html.contains("<th>" + escaped + "</th><td class=\"value\">" + escaped + "</td>")),
        () -> assertTrue(html.contains("<h3>" + escaped + " <span class=\"unit\">(" + escaped + ")</span></h3>")));
    assertSame(report, Json.MAPPER.treeToValue(dataBlock(html).get("report"), Report.class));
  }

  @Test
  void reportRoundTripsThroughJson() throws Exception {
    Report report = sample("round trip");
    String json = Json.MAPPER.writeValueAsString(report);
    Report back = Json.MAPPER.readValue(json, Report.class);

    assertSame(report, back);
    JsonNode tree = Json.MAPPER.readTree(json);
    assertEquals("2026-12-06T09:30:00.250Z", tree.get("startedAt").asText());
    assertEquals(1000, tree.at("/distributions/0/count").asInt());
    assertEquals(500.0, tree.at("/distributions/0/p50").asDouble());
    assertEquals("[\"nodes\",\"pods\",\"journal\"]", Json.MAPPER.valueToTree(
        new ArrayList<>(back.settings().keySet())).toString(), "settings keep their order");
  }

  @Test
  void fromJsonTurnsAScenariosJsonIntoThePage() throws Exception {
    Path json = dir.resolve("run.json");
    Path page = dir.resolve("run.html");
    Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), sample("from json"));

    HtmlReport.fromJson(json, page);

    String html = Files.readString(page, StandardCharsets.UTF_8);
    assertTrue(html.contains("<h1>from json</h1>"));
    assertSame(sample("from json"), Json.MAPPER.treeToValue(dataBlock(html).get("report"), Report.class));
  }

  @Test
  void perSecondCountsEventsInBucketsEndingAtEachPoint() {
    Series s = Series.perSecond("pods bound per second", new double[] {0.1, 0.2, 0.9, 1.5, 3.0}, 1);

    assertEquals("1/s", s.unit());
    assertEquals(List.of(new Point(1, 3), new Point(2, 1), new Point(3, 0), new Point(4, 1)), s.points());
    assertEquals(List.of(new Point(0.5, 4), new Point(1.0, 4)),
        Series.perSecond("half seconds", new double[] {0.1, 0.2, 0.5, 0.6}, 0.5).points());
  }

  /** A report as a scenario would fill it: two series per second and one in MiB, two distributions, two checks. */
  static Report sample(String title) {
    double[] bound = DoubleStream.iterate(1, x -> x + 1).limit(1000).toArray();
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("nodes", "100");
    settings.put("pods", "1000");
    settings.put("journal", "h2");
    return new Report(title, "Creates pods on virtual nodes and waits until all run.\nSecond line.",
        Instant.parse("2026-12-06T09:30:00.250Z"),
        List.of(new Figure("pods bound per second", "1250.5", "1/s"), new Figure("all running", "12.3", "s")),
        List.of(new Series("pods bound per second", "1/s", ramp(20, 100)),
            new Series("pods running per second", "1/s", ramp(20, 80)),
            new Series("heap used", "MiB", ramp(20, 300))),
        List.of(new Distribution("create -> bound", "ms", bound),
            new Distribution("API write", "ms", new double[] {2.5, 3.1, 2.9, 4.4, 3.0, 2.2, 5.8, 3.3})),
        List.of(new Check("no overcommitted node", false, "node-7: cpu 4100m of 4"),
            new Check("no lost pod", true, "1000 of 1000 seen")),
        settings);
  }

  private static List<Point> ramp(int seconds, double top) {
    List<Point> points = new ArrayList<>();
    for (int s = 1; s <= seconds; s++) {
      points.add(new Point(s, top * Math.min(1, s / 5.0)));
    }
    return points;
  }

  /** Records holding arrays compare them by identity, so reports are compared as their JSON trees. */
  private static void assertSame(Report expected, Report actual) {
    assertEquals(Json.MAPPER.valueToTree(expected), Json.MAPPER.<JsonNode>valueToTree(actual));
    assertEquals(expected.startedAt(), actual.startedAt());
    for (int i = 0; i < expected.distributions().size(); i++) {
      assertArrayEquals(expected.distributions().get(i).values(), actual.distributions().get(i).values());
    }
  }

  private static JsonNode dataBlock(String html) throws Exception {
    Matcher m = DATA_BLOCK.matcher(html);
    assertTrue(m.find(), "the data block");
    return Json.MAPPER.readTree(m.group(1));
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }
}
