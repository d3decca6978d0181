/* The dashboards' charts and coverage map, drawn from the figures the page prints in its
   tables (#dashboard-data). Chart.js and Leaflet come from our own static files. */
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node) { return; }
  var data = JSON.parse(node.textContent);
  var BLUE = "#2b6cb0", GREEN = "#2f855a", RED = "#c53030", GREY = "#718096", AMBER = "#b7791f";

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) { return null; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false },
                                   config.options || {});
    return new window.Chart(canvas, config);
  }

  function hours(value) { return value === null || value === undefined ? null : value; }

  if (data.states) {
    chart("chart-states", {
      type: "bar",
      data: { labels: data.states.labels,
              datasets: [{ label: "Requests", data: data.states.counts, backgroundColor: BLUE }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } },
                 scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  if (data.months && data.months[0] && data.months[0].label !== undefined) {
    chart("chart-months", {
      type: "bar",
      data: {
        labels: data.months.map(function (m) { return m.label; }),
        datasets: [
          { label: "Requests opened", data: data.months.map(function (m) { return m.requests; }), backgroundColor: GREY },
          { label: "Owner contacted", data: data.months.map(function (m) { return m.contacted; }), backgroundColor: BLUE },
          { label: "Footage collected", data: data.months.map(function (m) { return m.collected; }), backgroundColor: GREEN },
          { label: "Declined", data: data.months.map(function (m) { return m.declined; }), backgroundColor: RED },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  if (data.investigators) {
    chart("chart-investigators", {
      type: "bar",
      data: {
        labels: data.investigators.map(function (m) { return m.label; }),
        datasets: [
          { label: "Median hours, contact → consent", data: data.investigators.map(function (m) { return hours(m.contact_to_consent); }), backgroundColor: BLUE },
          { label: "Median hours, consent → collection", data: data.investigators.map(function (m) { return hours(m.consent_to_collection); }), backgroundColor: GREEN },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "hours" } } } },
    });
  }
  if (data.lapsing) {
    chart("chart-lapsing", {
      type: "bar",
      data: { labels: data.lapsing.map(function (d) { return d.short; }),
              datasets: [{ label: "Registrations lapsing", data: data.lapsing.map(function (d) { return d.count; }), backgroundColor: AMBER }] },
      options: { plugins: { legend: { display: false } },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  if (data.months && data.months[0] && data.months[0].month !== undefined) {
    chart("chart-growth", {
      type: "bar",
      data: {
        labels: data.months.map(function (m) { return m.month; }),
        datasets: [
          { label: "Registrations", data: data.months.map(function (m) { return m.registrations; }), backgroundColor: BLUE },
          { label: "Cameras", data: data.months.map(function (m) { return m.cameras; }), backgroundColor: GREEN },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  /* Coverage: a square per area, darker with more cameras; squares with none outlined red. */
  var mapNode = document.getElementById("coverage-map");
  if (mapNode && data.coverage && window.L) {
    var context = JSON.parse(document.getElementById("map-context").textContent);
    var map = L.map(mapNode, { scrollWheelZoom: false });
    window.mapContext(map, { tileUrl: context.tileUrl, outlineUrl: context.outlineUrl });
    var most = 1;
    data.coverage.features.forEach(function (f) { most = Math.max(most, f.properties.cameras); });
    function style(feature) {
      var n = feature.properties.cameras;
      if (!n) { return { color: RED, weight: 0.6, opacity: 0.5, fillColor: RED, fillOpacity: 0.06 }; }
      return { color: BLUE, weight: 0.5, opacity: 0.6, fillColor: BLUE,
               fillOpacity: 0.2 + 0.6 * Math.sqrt(n / most) };
    }
    var layer = L.geoJSON(data.coverage, {
      style: style,
      onEachFeature: function (feature, shape) {
        var n = feature.properties.cameras;
        shape.bindTooltip(n ? n + (n === 1 ? " camera" : " cameras") : "No cameras", { sticky: true });
      },
    }).addTo(map);
    if (data.coverage.features.length) {
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    } else {
      map.setView([35.37, -119.02], 9);
    }
    var legend = document.getElementById("coverage-legend");
    if (legend) {
      legend.textContent = "Darker squares hold more cameras (most in one square: " + most +
        "); red squares have none.";
    }
  }
})();
