/* Drawing an escape route on a Leaflet map: each click adds a point, Undo takes the last one
   back, Clear starts again. window.routeDrawing(map, {maxPoints, onChange}) returns the tool. */
(function () {
  "use strict";
  window.routeDrawing = function (map, options) {
    var points = [];
    var layer = L.layerGroup();
    var line = L.polyline([], { color: "#c00", weight: 4, opacity: 0.85, interactive: false });
    var corridor = L.polyline([], { color: "#c00", weight: 1, opacity: 0.2, lineCap: "round",
                                     lineJoin: "round", interactive: false });
    layer.addLayer(corridor).addLayer(line);
    var vertices = L.layerGroup().addTo(layer);
    var widthM = 0;

    /* The corridor drawn as a line as wide on screen as widthM metres on the ground. */
    function corridorPixels() {
      if (!points.length || !widthM) { return 1; }
      var at = points[points.length - 1], here = map.latLngToContainerPoint(at);
      var east = L.latLng(at.lat, at.lng + widthM / (111320 * Math.cos(at.lat * Math.PI / 180)));
      return Math.max(1, map.latLngToContainerPoint(east).x - here.x);
    }

    function redraw() {
      line.setLatLngs(points);
      corridor.setLatLngs(points);
      corridor.setStyle({ weight: corridorPixels() });
      vertices.clearLayers();
      points.forEach(function (p, i) {
        vertices.addLayer(L.circleMarker(p, { radius: i === 0 ? 6 : 4, color: "#c00", weight: 2,
                                              fillColor: "#fff", fillOpacity: 1, interactive: false }));
      });
      if (options.onChange) { options.onChange(tool); }
    }

    var tool = {
      layer: layer,
      /* Adds a point; false when the route already has the most points allowed. */
      add: function (latlng) {
        if (points.length >= options.maxPoints) { return false; }
        var last = points[points.length - 1];
        if (!last || !last.equals(latlng)) { points.push(L.latLng(latlng.lat, latlng.lng)); }
        redraw();
        return true;
      },
      undo: function () { points.pop(); redraw(); },
      clear: function () { points = []; redraw(); },
      count: function () { return points.length; },
      lengthM: function () {
        var total = 0;
        for (var i = 1; i < points.length; i++) { total += map.distance(points[i - 1], points[i]); }
        return total;
      },
      setWidth: function (metres) { widthM = metres; redraw(); },
      /* The route as GeoJSON (lon, lat; six decimals, about 10 cm). */
      geojson: function () {
        return { type: "LineString", coordinates: points.map(function (p) {
          return [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))];
        }) };
      },
      bounds: function () { return L.latLngBounds(points); },
    };
    map.on("zoomend", function () { corridor.setStyle({ weight: corridorPixels() }); });
    return tool;
  };
})();
