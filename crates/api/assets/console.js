// Peitao console: draws the charts a page declares with data attributes. No inline script runs
// anywhere (the content-security policy forbids it); pages work without this file, the tables
// under each chart hold the same figures.
(function () {
  "use strict";

  function draw(element) {
    if (typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(element.getAttribute("data-chart-data"));
    var option;
    if (element.getAttribute("data-chart") === "line") {
      option = {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
        grid: { left: 48, right: 16, top: 24, bottom: 32 },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
        series: [{ name: element.getAttribute("data-series-name"), type: "line", data: data.rates,
                   connectNulls: true, itemStyle: { color: "#0b5394" } }]
      };
    } else {
      var labels = JSON.parse(element.getAttribute("data-labels"));
      option = {
        tooltip: { trigger: "axis" },
        grid: { left: 140, right: 24, top: 8, bottom: 24 },
        xAxis: { type: "value" },
        yAxis: { type: "category", inverse: true, data: labels },
        series: [{ type: "bar", data: data.counts, itemStyle: { color: "#0b5394" },
                   label: { show: true, position: "right" } }]
      };
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();

// A file picked for import fills the form's text box, so the form posts it as text: the page
// works without this script too (paste the file).
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[type=file][data-fill]") || !input.files[0]) {
    return;
  }
  var reader = new FileReader();
  reader.onload = function () {
    document.getElementById(input.getAttribute("data-fill")).value = reader.result;
  };
  reader.readAsText(input.files[0]);
});
