package io.drover.sim.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.sim.report.Report.Check;
import io.drover.sim.report.Report.Distribution;
import io.drover.sim.report.Report.Figure;
import io.drover.sim.report.Report.Series;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Writes a {@link Report} as one self-contained HTML page: tables for the settings, the summary and the invariants
 * (coloured pass or fail), one line chart per unit of the series, and a histogram and a CDF beside the percentiles of
 * each distribution. The page needs no network: Chart.js is inlined from its webjar, and the report travels along as
 * JSON in a {@code <script type="application/json" id="report-data">} block (with {@code <}, {@code >} and
 * {@code &} escaped, so no string in it can end the block) from which a short script draws the charts. The text
 * parts are HTML and readable without JavaScript.
 */
public final class HtmlReport {
  private HtmlReport() {}

  /** The id of the script block holding the data: {"report", "seriesCharts", "distributionCharts"}. */
  static final String DATA_ID = "report-data";
  /** Points of a CDF plot at most; more values are sampled at evenly spaced ranks. */
  static final int CDF_POINTS = 500;

  private static final String CHART_JS_PROPERTIES = "META-INF/maven/org.webjars.npm/chart.js/pom.properties";
  private static final String CHART_JS_BUNDLE = "META-INF/resources/webjars/chart.js/%s/dist/chart.umd.js";

  /** Writes the page for {@code report} to {@code html} (UTF-8), replacing any file there. */
  public static void write(Report report, Path html) throws IOException {
    Files.writeString(html, render(report), StandardCharsets.UTF_8);
  }

  /** Reads a report written as JSON with {@code Json.MAPPER} and writes its page. */
  public static void fromJson(Path json, Path html) throws IOException {
    write(Json.MAPPER.readValue(json.toFile(), Report.class), html);
  }

  static String render(Report report) {
    Map<String, List<Integer>> seriesByUnit = new LinkedHashMap<>();
    for (int i = 0; i < report.series().size(); i++) {
      seriesByUnit.computeIfAbsent(Objects.toString(report.series().get(i).unit(), ""), u -> new ArrayList<>()).add(i);
    }
    StringBuilder html = new StringBuilder(256 * 1024);
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(escape(report.title())).append("</title>\n")
        .append("<style>").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
    header(html, report);
    tables(html, report);
    invariants(html, report.invariants());
    series(html, report.series(), seriesByUnit);
    distributions(html, report.distributions());
    html.append("<footer>Charts by Chart.js ").append(escape(ChartJs.VERSION)).append(", inlined in this page.")
        .append("</footer>\n</main>\n")
        .append("<script>").append(ChartJs.SOURCE).append("</script>\n")
        .append("<script type=\"application/json\" id=\"").append(DATA_ID).append("\">")
        .append(data(report, seriesByUnit)).append("</script>\n")
        .append("<script>").append(SCRIPT).append("</script>\n")
        .append("</body>\n</html>\n");
    return html.toString();
  }

  private static void header(StringBuilder html, Report report) {
    long broken = report.invariants().stream().filter(c -> !c.ok()).count();
    int all = report.invariants().size();
    html.append("<header>\n<h1>").append(escape(report.title())).append("</h1>\n");
    if (all > 0) {
      html.append("<p class=\"verdict ").append(broken == 0 ? "pass\">PASS: all " + all + " invariants hold"
          : "fail\">FAIL: " + broken + " of " + all + " invariants broken").append("</p>\n");
    }
    if (report.description() != null) {
      html.append("<p class=\"description\">").append(escape(report.description())).append("</p>\n");
    }
    if (report.startedAt() != null) {
      html.append("<p class=\"meta\">Started ")
          .append(escape(DateTimeFormatter.ISO_INSTANT.format(report.startedAt().truncatedTo(ChronoUnit.SECONDS))))
          .append("</p>\n");
    }
    html.append("</header>\n");
  }

  private static void tables(StringBuilder html, Report report) {
    html.append("<section class=\"columns\">\n<div>\n<h2>Summary</h2>\n");
    if (report.summary().isEmpty()) {
      html.append("<p class=\"none\">No figures.</p>\n");
    } else {
      html.append("<table class=\"figures\">\n");
      for (Figure f : report.summary()) {
        html.append("<tr><th>").append(escape(f.name())).append("</th><td class=\"value\">")
            .append(escape(f.value())).append("</td><td class=\"unit\">").append(escape(f.unit()))
            .append("</td></tr>\n");
      }
      html.append("</table>\n");
    }
    html.append("</div>\n<div>\n<h2>Settings</h2>\n");
    if (report.settings().isEmpty()) {
      html.append("<p class=\"none\">No settings.</p>\n");
    } else {
      html.append("<table class=\"settings\">\n");
      report.settings().forEach((key, value) -> html.append("<tr><th>").append(escape(key)).append("</th><td>")
          .append(escape(value)).append("</td></tr>\n"));
      html.append("</table>\n");
    }
    html.append("</div>\n</section>\n");
  }

  private static void invariants(StringBuilder html, List<Check> checks) {
    html.append("<section>\n<h2>Invariants</h2>\n");
    if (checks.isEmpty()) {
      html.append("<p class=\"none\">No invariants checked.</p>\n</section>\n");
      return;
    }
    html.append("<table class=\"checks\">\n");
    for (Check c : checks) {
      html.append(c.ok() ? "<tr class=\"pass\"><td class=\"mark\">&#10003; pass</td>"
              : "<tr class=\"fail\"><td class=\"mark\">&#10007; FAIL</td>")
          .append("<th>").append(escape(c.name())).append("</th><td>").append(escape(c.detail()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n</section>\n");
  }

  private static void series(StringBuilder html, List<Series> series, Map<String, List<Integer>> seriesByUnit) {
    if (seriesByUnit.isEmpty()) return;
    html.append("<section>\n<h2>Over time</h2>\n");
    int chart = 0;
    for (Map.Entry<String, List<Integer>> unit : seriesByUnit.entrySet()) {
      List<String> names = unit.getValue().stream().map(i -> Objects.toString(series.get(i).name(), "")).toList();
      html.append("<h3>").append(escape(String.join(", ", names))).append(" <span class=\"unit\">(")
          .append(escape(unit.getKey())).append(")</span></h3>\n<div class=\"chart wide\"><canvas id=\"series-")
          .append(chart++).append("\"></canvas></div>\n");
    }
    html.append("</section>\n");
  }

  private static void distributions(StringBuilder html, List<Distribution> distributions) {
    if (distributions.isEmpty()) return;
    html.append("<section>\n<h2>Distributions</h2>\n");
    for (int i = 0; i < distributions.size(); i++) {
      Distribution d = distributions.get(i);
      String unit = escape(d.unit());
      html.append("<div class=\"distribution\">\n<h3>").append(escape(d.name())).append(" <span class=\"unit\">(")
          .append(unit).append(")</span></h3>\n<div class=\"row\">\n<table class=\"stats\">\n")
          .append("<tr><th>count</th><td class=\"value\">").append(d.count()).append("</td><td></td></tr>\n");
      if (d.count() > 0) {
        stat(html, "p50", d.p50(), unit);
        stat(html, "p90", d.p90(), unit);
        stat(html, "p99", d.p99(), unit);
        stat(html, "max", d.max(), unit);
        html.append("</table>\n<div class=\"chart\"><canvas id=\"histogram-").append(i).append("\"></canvas></div>\n")
            .append("<div class=\"chart\"><canvas id=\"cdf-").append(i).append("\"></canvas></div>\n");
      } else {
        html.append("</table>\n<p class=\"none\">No values.</p>\n");
      }
      html.append("</div>\n</div>\n");
    }
    html.append("</section>\n");
  }

  private static void stat(StringBuilder html, String name, double value, String escapedUnit) {
    html.append("<tr><th>").append(name).append("</th><td class=\"value\">").append(Histogram.significant(value))
        .append("</td><td class=\"unit\">").append(escapedUnit).append("</td></tr>\n");
  }

  /** The report and what the charts need from it, as JSON that is safe inside a script element. */
  static String data(Report report, Map<String, List<Integer>> seriesByUnit) {
    ObjectNode data = Json.MAPPER.createObjectNode();
    data.set("report", Json.MAPPER.valueToTree(report));
    ArrayNode seriesCharts = data.putArray("seriesCharts");
    seriesByUnit.forEach((unit, indices) -> {
      ObjectNode chart = seriesCharts.addObject().put("unit", unit);
      indices.forEach(chart.putArray("series")::add);
    });
    ArrayNode distributionCharts = data.putArray("distributionCharts");
    for (Distribution d : report.distributions()) {
      Histogram histogram = Histogram.of(d.values());
      ObjectNode chart = distributionCharts.addObject().put("logBuckets", histogram.logBuckets());
      histogram.edges().forEach(chart.putArray("edges")::add);
      ArrayNode counts = chart.putArray("counts");
      for (long count : histogram.counts()) {
        counts.add(count);
      }
      ArrayNode cdf = chart.putArray("cdf");
      for (double[] point : Histogram.cdf(d.values(), CDF_POINTS)) {
        cdf.addArray().add(point[0]).add(point[1]);
      }
    }
    try {
      return Json.MAPPER.writer().with(new ScriptSafeEscapes()).writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Text for HTML content and attribute values; null as empty. */
  static String escape(String text) {
    if (text == null) return "";
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** JSON escapes that also write {@code < > &} as {@code \\u003C} and so on. */
  private static final class ScriptSafeEscapes extends CharacterEscapes {
    private final int[] ascii = standardAsciiEscapesForJSON();

    ScriptSafeEscapes() {
      ascii['<'] = ESCAPE_STANDARD;
      ascii['>'] = ESCAPE_STANDARD;
      ascii['&'] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return null;
    }
  }

  /** Chart.js's UMD bundle from its webjar, read once on first use. */
  static final class ChartJs {
    private ChartJs() {}

    static final String VERSION = resource(CHART_JS_PROPERTIES, text -> {
      Properties properties = new Properties();
      properties.load(new StringReader(text));
      return properties.getProperty("version");
    });
    static final String PATH = String.format(CHART_JS_BUNDLE, VERSION);
    static final String SOURCE = resource(PATH, text -> {
      String lower = text.toLowerCase(Locale.ROOT);
      if (lower.contains("</script") || lower.contains("<!--")) {
        throw new IllegalStateException(PATH + " contains </script or <!--: it cannot be inlined as it is");
      }
      return text;
    });

    private interface Parser {
      String parse(String text) throws IOException;
    }

    private static String resource(String path, Parser parser) {
      try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(path)) {
        if (in == null) throw new IllegalStateException(path + " is not on the classpath (the chart.js webjar)");
        return parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static final String CSS = """
      body { margin: 0; background: #f6f7f9; color: #1d2330; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", \
      Roboto, "Helvetica Neue", Arial, sans-serif; }
      main { max-width: 1320px; margin: 0 auto; padding: 24px 32px 48px; }
      h1 { font-size: 26px; margin: 0 0 8px; }
      h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d5d9e0; }
      h3 { font-size: 15px; margin: 18px 0 6px; }
      .unit, .meta, .none, footer { color: #5b6474; }
      .description { white-space: pre-wrap; max-width: 80ch; }
      .verdict { display: inline-block; margin: 4px 0; padding: 4px 12px; border-radius: 4px; font-weight: 600; }
      .verdict.pass { background: #dcf3e1; color: #14622b; border: 1px solid #8fd19e; }
      .verdict.fail { background: #fbe0e0; color: #9b1c1c; border: 1px solid #ee9a9a; }
      .columns { display: flex; flex-wrap: wrap; gap: 32px; }
      .columns > div { flex: 1 1 420px; }
      table { border-collapse: collapse; background: #fff; border: 1px solid #d5d9e0; }
      th, td { padding: 5px 12px; border-bottom: 1px solid #e6e9ee; text-align: left; vertical-align: top; }
      th { font-weight: 500; }
      td.value { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
      table.checks { width: 100%; }
      table.checks .mark { white-space: nowrap; font-weight: 700; width: 6em; }
      tr.pass { background: #eefaf1; } tr.pass .mark { color: #14622b; }
      tr.fail { background: #fdeaea; } tr.fail .mark { color: #b42318; }
      .chart { position: relative; height: 300px; flex: 1 1 380px; min-width: 0; background: #fff; \
      border: 1px solid #d5d9e0; padding: 8px; }
      .chart.wide { height: 340px; }
      .distribution .row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
      table.stats { flex: 0 0 auto; }
      footer { margin-top: 40px; font-size: 13px; }
      """;

  private static final String SCRIPT = """
      (function () {
        'use strict';
        const data = JSON.parse(document.getElementById('report-data').textContent);
        const report = data.report;
        Chart.defaults.animation = false;
        Chart.defaults.maintainAspectRatio = false;
        Chart.defaults.font.size = 13;
        const axis = (text, extra) => Object.assign({title: {display: true, text: text}}, extra || {});
        data.seriesCharts.forEach((group, i) => {
          new Chart(document.getElementById('series-' + i), {
            type: 'line',
            data: {datasets: group.series.map(j => ({
              label: report.series[j].name,
              data: report.series[j].points.map(p => ({x: p.seconds, y: p.value})),
              pointRadius: 0, borderWidth: 2, tension: 0
            }))},
            options: {
              interaction: {mode: 'nearest', axis: 'x', intersect: false},
              scales: {x: axis('seconds since start', {type: 'linear'}), y: axis(group.unit, {beginAtZero: true})}
            }
          });
        });
        data.distributionCharts.forEach((chart, i) => {
          const histogram = document.getElementById('histogram-' + i);
          if (!histogram) return;
          const unit = report.distributions[i].unit || '';
          new Chart(histogram, {
            type: 'bar',
            data: {
              labels: chart.edges.slice(0, -1),
              datasets: [{label: 'values', data: chart.counts, barPercentage: 1, categoryPercentage: 1}]
            },
            options: {
              plugins: {
                legend: {display: false},
                title: {display: true, text: 'Histogram' + (chart.logBuckets ? ' (log-sized buckets)' : '')},
                tooltip: {callbacks: {title: items => {
                  const k = items[0].dataIndex;
                  return chart.edges[k] + ' \\u2264 v < ' + chart.edges[k + 1] + ' ' + unit;
                }}}
              },
              scales: {x: axis(unit + ' (bucket from)'), y: axis('count', {beginAtZero: true, ticks: {precision: 0}})}
            }
          });
          new Chart(document.getElementById('cdf-' + i), {
            type: 'line',
            data: {datasets: [{
              label: '% at or below',
              data: chart.cdf.map(p => ({x: p[0], y: p[1]})),
              stepped: 'after', pointRadius: 0, borderWidth: 2
            }]},
            options: {
              plugins: {legend: {display: false}, title: {display: true, text: 'CDF'}},
              interaction: {mode: 'nearest', axis: 'x', intersect: false},
              scales: {
                x: axis(unit + (chart.logBuckets ? ' (log scale)' : ''),
                    {type: chart.logBuckets ? 'logarithmic' : 'linear'}),
                y: axis('% at or below', {min: 0, max: 100})
              }
            }
          });
        });
      })();
      """;
}
