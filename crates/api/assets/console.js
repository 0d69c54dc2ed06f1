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
    } else if (element.getAttribute("data-chart") === "graph") {
      option = graph(data, JSON.parse(element.getAttribute("data-labels")));
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

  // The chain map: categories coloured by in-province coverage, sized by open demand, with
  // arrows from inputs to what they feed; the colours are the legend's and the table's.
  var COVERAGE = { gap: "#a11a1a", thin: "#8a4b00", covered: "#1e6b34" };

  function graph(data, labels) {
    var largest = 1;
    data.nodes.forEach(function (node) {
      largest = Math.max(largest, node.open_demand_yuan || 0);
    });
    return {
      tooltip: {
        formatter: function (item) {
          if (item.dataType !== "node") {
            return "";
          }
          var node = item.data;
          var text = node.name + "<br>" + labels[node.coverage] + "<br>" +
            labels.suppliers + ": " + node.suppliers;
          if (node.open_demand_yuan !== null) {
            text += "<br>" + labels.demand + ": ¥" + node.open_demand_yuan.toLocaleString();
          }
          return text;
        }
      },
      series: [{
        type: "graph",
        layout: "force",
        roam: true,
        draggable: true,
        force: { repulsion: 260, edgeLength: 90 },
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 8,
        label: { show: true, position: "right", formatter: "{b}" },
        lineStyle: { color: "#4a5360", opacity: 0.6 },
        data: data.nodes.map(function (node) {
          return {
            id: node.id, name: node.name, coverage: node.coverage, suppliers: node.suppliers,
            open_demand_yuan: node.open_demand_yuan,
            symbolSize: 14 + 30 * Math.sqrt((node.open_demand_yuan || 0) / largest),
            itemStyle: { color: COVERAGE[node.coverage] }
          };
        }),
        links: data.links
      }]
    };
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

// Live updates: a page that declares `data-live` listens to the signed-in user's own events and,
// when one arrives, shows the notice the page carries (with a link that reloads it). Without
// script or EventSource the page simply stays as it was rendered.
document.addEventListener("DOMContentLoaded", function () {
  var main = document.querySelector("main[data-live]");
  var notice = document.getElementById("live-notice");
  if (!main || !notice || typeof window.EventSource === "undefined") {
    return;
  }
  var source = new EventSource(main.getAttribute("data-live"));
  source.onmessage = function (message) {
    var event = JSON.parse(message.data);
    notice.setAttribute("data-event-type", event.type);
    notice.hidden = false;
  };
  window.addEventListener("pagehide", function () { source.close(); });
});
