// Bar charts with the vendored ECharts (static/vendor/echarts), from the data the server wrote
// (service/charts.py): every <div class="chart" data-chart="ID"> is drawn from <script id="ID">.
// Clicking a bar opens the page its category links to. Drawn as SVG, so the bars are elements a
// test (and a screen reader's tree) can find; ECharts' aria option describes the chart in words.
(function () {
  "use strict";

  var compact = new Intl.NumberFormat(document.documentElement.lang || undefined, { notation: "compact" });

  function height(spec) {
    return Math.max(160, 48 + spec.categories.length * (spec.series.length > 1 ? 34 : 26));
  }

  function draw(element, spec) {
    element.style.height = height(spec) + "px";
    var chart = echarts.init(element, null, { renderer: "svg" });
    var stacked = spec.series.length > 1;
    chart.setOption({
      aria: { enabled: true },
      animation: false,
      grid: { left: 8, right: 96, top: stacked ? 32 : 8, bottom: 24, containLabel: true },
      legend: stacked ? { top: 0 } : undefined,
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var label = spec.series[p.seriesIndex].labels[p.dataIndex];
          return echarts.format.encodeHTML(spec.categories[p.dataIndex] + ": " + label +
            (stacked ? " (" + spec.series[p.seriesIndex].name + ")" : ""));
        },
      },
      yAxis: {
        type: "category", inverse: true, data: spec.categories,
        axisLabel: { width: 260, overflow: "truncate" },
      },
      xAxis: spec.log
        ? { type: "log", logBase: 10, axisLabel: { formatter: function (v) { return compact.format(v); } } }
        : { type: "value", minInterval: 1 },
      series: spec.series.map(function (s) {
        return {
          name: s.name, type: "bar", stack: stacked ? "all" : undefined, barMaxWidth: 28,
          data: s.values.map(function (v) { return v === null ? "-" : v; }),
          label: {
            show: !stacked, position: "right",
            formatter: function (p) { return s.labels[p.dataIndex] || ""; },
          },
          cursor: "pointer",
        };
      }),
    });
    chart.on("click", function (p) {
      var href = spec.links && spec.links[p.dataIndex];
      if (href) window.location.href = href;
    });
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  // The bars ECharts drew: the series' path elements in the SVG, found through ECharts' own model
  // (each data item's graphic element), not by guessing at the markup.
  function marks(element) {
    var chart = echarts.getInstanceByDom(element);
    if (!chart) return 0;
    var n = 0;
    chart.getModel().eachSeries(function (series) {
      var data = series.getData();
      data.each(function (i) { if (data.getItemGraphicEl(i)) n += 1; });
    });
    return n;
  }

  function drawAll(root) {
    (root || document).querySelectorAll(".chart[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.dataset.chart);
      if (source) draw(element, JSON.parse(source.textContent));
    });
  }

  window.reformkgCharts = { draw: draw, marks: marks, drawAll: drawAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
})();
