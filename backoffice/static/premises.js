/* A registration's small map (review and show pages): the premises pin, its cameras and where
   they look, over the county outline and address points. Labels are text, never markup. */
(function () {
  "use strict";
  var source = document.getElementById("premises-map-config");
  var box = document.getElementById("premises-map");
  if (!source || !box || !window.L || !window.mapContext) { return; }
  var cfg = JSON.parse(source.textContent);
  var CAMERA_COLOUR = "#c0392b";

  function text(value) {
    var node = document.createElement("span");
    node.textContent = String(value);
    return node;
  }

  var map = L.map(box, { minZoom: 3, maxZoom: 19, scrollWheelZoom: false }).setView([cfg.lat, cfg.lon], 18);
  window.mapContext(map, { tileUrl: cfg.tile_url, outlineUrl: cfg.outline_url, addressesUrl: cfg.addresses_url });
  var points = [[cfg.lat, cfg.lon]];
  cfg.cameras.forEach(function (c) {
    var view = window.mapContext.cone(c.lat, c.lon, c.direction_deg, c.fov_deg, c.range_m, CAMERA_COLOUR);
    if (view) { view.options.interactive = false; view.addTo(map); }
    L.circleMarker([c.lat, c.lon], { radius: 5, color: CAMERA_COLOUR, fillColor: CAMERA_COLOUR, fillOpacity: 0.9 })
      .bindTooltip(text(c.label)).addTo(map);
    points.push([c.lat, c.lon]);
  });
  L.marker([cfg.lat, cfg.lon], { title: cfg.label, alt: cfg.label }).bindTooltip(text(cfg.label)).addTo(map);
  if (points.length > 1) { map.fitBounds(points, { padding: [40, 40], maxZoom: 18 }); }
})();
