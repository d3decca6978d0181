/* The transparency report's chart: all agencies' canvass searches and footage requests per
   month, drawn from the figures the page prints (months with fewer than 5 arrive as null). */
(function () {
  "use strict";
  var node = document.getElementById("transparency-data");
  var canvas = document.getElementById("transparency-chart");
  if (!node || !canvas || !window.Chart) { return; }
  var data = JSON.parse(node.textContent), colours = ["#0b3d60", "#1a7f37"];
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series, i) {
        return { label: series.label, data: series.data, backgroundColor: colours[i % colours.length] };
      }),
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false,
               scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
})();
