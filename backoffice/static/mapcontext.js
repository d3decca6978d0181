/* What every map shows around its own layers: the background tiles when there are some, the
   county outline (strong without tiles, light over them) and, at street zoom, the county's
   address points as dots labelled with the house number (and the street, closer in).
   Labels are text nodes, never markup: an address comes from an imported file.

   window.mapContext(map, {tileUrl, outlineUrl, addressesUrl, zoomHint}) */
(function () {
  "use strict";
  var STREET_LABEL_ZOOM = 18;

  function span(className, text) {
    var node = document.createElement("span");
    node.className = className;
    if (text) { node.textContent = String(text); }
    return node;
  }

  var CHAR_PX = 7, LABEL_PX = 14, CELL_PX = 64;  // 11px text; a coarse grid for overlap checks

  function labelText(properties, withStreet) {
    var number = properties.number || "";
    return withStreet && properties.street ? (number ? number + " " : "") + properties.street : number;
  }

  function label(text) {
    var box = span("addr-label-box");
    box.appendChild(span("addr-dot"));
    if (text) { box.appendChild(span("addr-text", text)); }
    return box;
  }

  /* Labels that would overlap one already placed are left out (the dot stays): the server
     sends the middle of the view first, so the labels there win. */
  function placer() {
    var cells = {};
    function keys(r) {
      var out = [];
      for (var x = Math.floor(r[0] / CELL_PX); x <= Math.floor(r[2] / CELL_PX); x++) {
        for (var y = Math.floor(r[1] / CELL_PX); y <= Math.floor(r[3] / CELL_PX); y++) { out.push(x + ":" + y); }
      }
      return out;
    }
    return function (point, text) {
      var r = [point.x - 4, point.y - LABEL_PX / 2, point.x + 8 + text.length * CHAR_PX, point.y + LABEL_PX / 2];
      var where = keys(r);
      var clash = where.some(function (k) {
        return (cells[k] || []).some(function (o) { return r[0] < o[2] && o[0] < r[2] && r[1] < o[3] && o[1] < r[3]; });
      });
      if (clash) { return false; }
      where.forEach(function (k) { (cells[k] = cells[k] || []).push(r); });
      return true;
    };
  }

  function boxOf(map) {
    var b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v, i) {
      var limit = i % 2 ? 90 : 180;
      return Math.max(-limit, Math.min(limit, v)).toFixed(6);
    }).join(",");
  }

  /* The point distance metres from lat/lon along bearing (spherical; fine for drawing). */
  function destination(lat, lon, bearing, distance) {
    var R = 6371008.8, d = distance / R, b = bearing * Math.PI / 180;
    var p1 = lat * Math.PI / 180, l1 = lon * Math.PI / 180;
    var p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
    var l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
    return [p2 * 180 / Math.PI, l2 * 180 / Math.PI];
  }

  /* A camera's view: a sector (a circle for 360° domes), or null when the direction is unknown. */
  function cone(lat, lon, direction, fov, range, colour) {
    if (fov >= 360) {
      return L.circle([lat, lon], { radius: range, color: colour, weight: 1, fillOpacity: 0.08 });
    }
    if (direction === null || direction === undefined) { return null; }
    var points = [[lat, lon]], steps = Math.max(4, Math.round(fov / 10));
    for (var i = 0; i <= steps; i++) {
      points.push(destination(lat, lon, direction - fov / 2 + fov * i / steps, range));
    }
    return L.polygon(points, { color: colour, weight: 1, fillOpacity: 0.12 });
  }

  window.mapContext = function (map, options) {
    options = options || {};
    var hasTiles = Boolean(options.tileUrl);
    if (hasTiles) {
      L.tileLayer(options.tileUrl, { maxZoom: 19 }).addTo(map);
    }
    map.getContainer().classList.toggle("map-no-tiles", !hasTiles);
    map.createPane("county").style.zIndex = 250;      // above tiles, below everything drawn
    map.createPane("addresses").style.zIndex = 450;   // above shapes, below markers
    L.control.scale({ imperial: true, metric: true }).addTo(map);

    if (options.outlineUrl) {
      fetch(options.outlineUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.features || !data.features.length) { return; }
          var style = hasTiles
            ? { color: "#3b3b3b", weight: 2, opacity: 0.45, dashArray: "8 6", fill: false }
            : { color: "#4a5562", weight: 2.5, opacity: 0.9, fillColor: "#fbf7ec", fillOpacity: 1 };
          style.interactive = false;
          style.pane = "county";
          // SVG (not canvas) so that the outline is its own element, under the map's shapes.
          style.renderer = L.svg({ pane: "county" });
          L.geoJSON(data, { style: function () { return style; } }).addTo(map);
        })
        .catch(function () { /* no outline: the map still works */ });
    }

    if (!options.addressesUrl) { return { hasTiles: hasTiles }; }
    var layer = L.layerGroup().addTo(map);
    var minZoom = 16, asked = 0;
    var hint = L.control({ position: "bottomleft" });
    hint.onAdd = function () {
      var node = span("map-hint", options.zoomHint || "Zoom in to see house numbers");
      node.setAttribute("aria-live", "polite");
      return node;
    };
    var hintShown = false;
    function showHint(show) {
      if (show && !hintShown) { hint.addTo(map); }
      if (!show && hintShown) { hint.remove(); }
      hintShown = show;
    }

    function load() {
      var zoom = Math.floor(map.getZoom()), mine = ++asked;
      if (zoom < minZoom) { layer.clearLayers(); showHint(true); return; }
      showHint(false);
      var url = options.addressesUrl + (options.addressesUrl.indexOf("?") < 0 ? "?" : "&") +
        "bbox=" + boxOf(map) + "&zoom=" + zoom;
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || mine !== asked) { return; }  // a later move has asked again
          if (data.min_zoom) { minZoom = data.min_zoom; }
          layer.clearLayers();
          var withStreet = zoom >= STREET_LABEL_ZOOM, fits = placer();
          (data.features || []).forEach(function (f) {
            var c = f.geometry.coordinates, at = L.latLng(c[1], c[0]);
            var text = labelText(f.properties || {}, withStreet);
            if (text && !fits(map.latLngToContainerPoint(at), text)) { text = ""; }
            layer.addLayer(L.marker(at, {
              pane: "addresses", interactive: false, keyboard: false,
              icon: L.divIcon({ className: "addr-label", html: label(text), iconSize: null }),
            }));
          });
          if (zoom < minZoom) { showHint(true); }
        })
        .catch(function () { /* the map works without house numbers */ });
    }
    map.on("moveend", load);
    map.whenReady(load);
    return { hasTiles: hasTiles, reloadAddresses: load };
  };
  window.mapContext.cone = cone;
})();
