/* The investigator's map: camera layer, view cones, purpose-bound canvass list. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var casesById = {};
  cfg.cases.forEach(function (c) { casesById[c.id] = c; });
  var STATUS_COLOURS = { active: "#1f78b4", lapsed: "#e08a00", pending: "#8a8a8a" };
  var CONE_MIN_ZOOM = 16;

  var map = L.map("map", { preferCanvas: true, minZoom: 3, maxZoom: 19 }).setView(cfg.centre, 14);
  window.mapContext(map, { tileUrl: cfg.tile_url, outlineUrl: cfg.outline_url, addressesUrl: cfg.addresses_url });
  // A cluster opens (zooms in) on a click, except while a route is drawn: the click is then the
  // route's next point, as anywhere else on the map (a street lined with cameras is drawn along).
  var cameraLayer = L.markerClusterGroup({ disableClusteringAtZoom: 17, zoomToBoundsOnClick: false }).addTo(map);
  cameraLayer.on("clusterclick", function (e) {
    if (routeMode()) { addRoutePoint(map.mouseEventToLatLng(e.originalEvent)); } else { e.layer.zoomToBounds({ padding: [20, 20] }); }
  });
  var gridLayer = L.layerGroup().addTo(map);
  var coneLayer = L.layerGroup().addTo(map);
  var canvassLayer = L.layerGroup().addTo(map);
  var results = [];
  var drawing = window.routeDrawing(map, { maxPoints: cfg.max_route_points, onChange: routeChanged });

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function say(text, kind) {
    var box = $("message");
    box.className = text ? "alert alert-" + (kind || "info") : "";
    box.textContent = text || "";
  }

  var cone = window.mapContext.cone;

  function loadCameras() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return Math.max(-180, Math.min(180, v)).toFixed(6);
    }).join(",");
    fetch(cfg.geojson_url + "?bbox=" + bbox, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        cameraLayer.clearLayers(); gridLayer.clearLayers(); coneLayer.clearLayers();
        (data.features || []).forEach(function (f) {
          var lon = f.geometry.coordinates[0], lat = f.geometry.coordinates[1], p = f.properties;
          if (p.cluster) {
            var size = p.count > 999 ? 44 : 36;
            gridLayer.addLayer(L.marker([lat, lon], {
              icon: L.divIcon({ className: "grid-cluster", html: String(p.count), iconSize: [size, size] }),
              keyboard: false,
            }).on("click", function (e) {
              if (routeMode()) { addRoutePoint(map.mouseEventToLatLng(e.originalEvent)); } else { map.setView([lat, lon], map.getZoom() + 2); }
            }));
            return;
          }
          var colour = STATUS_COLOURS[p.status] || "#444";
          var marker = L.circleMarker([lat, lon], { radius: 6, color: colour, fillColor: colour, fillOpacity: 0.8 });
          marker.bindTooltip(el("span", p.label + " (" + p.status + ")"));  // text, never markup
          cameraLayer.addLayer(marker);
          if (map.getZoom() >= CONE_MIN_ZOOM) {
            var shape = cone(lat, lon, p.direction_deg, p.fov_deg, p.range_m, colour);
            if (shape) { coneLayer.addLayer(shape); }
          }
        });
      })
      .catch(function () { say("The camera layer could not be loaded.", "warning"); });
  }

  /* County time (cfg.timezone): the inputs hold wall-clock time; what is sent carries the
     offset, and the repeated hour of the fall-back night asks which one is meant. */
  var TZ = cfg.timezone;
  var wallFormat = new Intl.DateTimeFormat("en-US", { timeZone: TZ, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  var shownFormat = new Intl.DateTimeFormat("en-US", { timeZone: TZ, weekday: "short", day: "numeric",
    month: "short", year: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" });
  var hourFormat = new Intl.DateTimeFormat("en-US", { timeZone: TZ, hour: "numeric", minute: "2-digit",
    timeZoneName: "short" });
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function wallOf(ms) {
    var p = {};
    wallFormat.formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  }
  function offsetAt(ms) { return wallOf(ms) - ms; }
  /* The instants (ms) that show this wall-clock value: none (skipped), one, or two (repeated). */
  function instantsFor(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!m) { return []; }
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]), seen = {}, out = [];
    [offsetAt(wall - 86400000), offsetAt(wall), offsetAt(wall + 86400000)].forEach(function (off) {
      var t = wall - off;
      if (!seen[t] && wallOf(t) === wall) { seen[t] = true; out.push(t); }
    });
    return out.sort(function (a, b) { return a - b; });
  }
  function isoAt(ms) {
    var off = offsetAt(ms) / 60000, d = new Date(wallOf(ms)), a = Math.abs(off);
    return d.toISOString().slice(0, 19) + (off < 0 ? "-" : "+") + pad(Math.floor(a / 60)) + ":" + pad(a % 60);
  }
  function toInput(iso) { return iso ? new Date(wallOf(Date.parse(iso))).toISOString().slice(0, 16) : ""; }
  /* "Sun 29 Nov 2026, 10:30 PM PST", as the server writes times. */
  function shown(iso) {
    var p = {};
    shownFormat.formatToParts(new Date(iso)).forEach(function (x) { p[x.type] = x.value; });
    return p.weekday + " " + p.day + " " + p.month + " " + p.year + ", " + p.hour + ":" + p.minute + " " +
      p.dayPeriod + " " + p.timeZoneName;
  }
  /* API messages name parameters; people know the fields as From and To. */
  function inWords(message) {
    return String(message).replace(/\bsince\b/g, "From").replace(/\buntil\b/g, "To")
      .replace(/\bwidth_m\b/g, "Corridor width");
  }
  /* Under a time input: which of a repeated hour, or that the time does not exist. */
  function checkTime(id) {
    var input = $(id), note = $(id + "-which"), times = instantsFor(input.value);
    if (note) { note.parentNode.removeChild(note); }
    if (times.length === 1 || !input.value) { return; }
    note = el("div", null, "time-which small"); note.id = id + "-which";
    if (times.length === 0) {
      note.textContent = "That time does not exist here: the clocks go forward an hour that night.";
      note.className += " text-danger";
    } else {
      var pick = el("select", null, "form-control input-sm"); pick.id = id + "-fold";
      pick.setAttribute("aria-label", "Which " + input.value.slice(11) + "?");
      var none = el("option", "— which one? —"); none.value = ""; pick.appendChild(none);
      times.forEach(function (t, i) {
        var option = el("option", hourFormat.format(new Date(t)) + (i ? " (second)" : " (first)"));
        option.value = isoAt(t); pick.appendChild(option);
      });
      note.appendChild(el("span", "This time happens twice (clocks go back): "));
      note.appendChild(pick);
    }
    input.parentNode.appendChild(note);
  }
  function fromInput(id) {
    var value = $(id).value, times = instantsFor(value), pick = $(id + "-fold");
    if (!value) { return ""; }
    if (times.length === 2 && pick) { return pick.value; }
    return times.length === 1 ? isoAt(times[0]) : value;
  }

  function chooseCase(id) {
    var c = casesById[id];
    $("search").disabled = !c;
    $("sheet").classList.toggle("disabled", !c);
    $("sheet").setAttribute("aria-disabled", String(!c));
    canvassLayer.clearLayers();
    if (!c) { $("sheet").href = "#"; return; }
    $("since").value = toInput(c.since);
    $("until").value = toInput(c.until);
    ["since", "until"].forEach(function (id) {
      checkTime(id);
      var pick = $(id + "-fold"), exact = c[id];
      if (pick) { Array.prototype.forEach.call(pick.options, function (o) {
        if (Date.parse(o.value) === Date.parse(exact)) { pick.value = o.value; } }); }
    });
    $("lat").value = c.lat; $("lon").value = c.lon;
    $("sheet").href = cfg.sheet_url.replace("{id}", c.id);
    map.setView([c.lat, c.lon], 16);
    L.marker([c.lat, c.lon], { title: c.case_number }).addTo(canvassLayer);
  }

  function countdown(deadline) {
    var ms = new Date(deadline) - new Date();
    if (ms <= 0) { return { text: "footage probably overwritten since " + shown(deadline), urgent: false }; }
    var hours = ms / 3600000;
    var text = hours < 1 ? "footage lost in " + Math.max(1, Math.round(ms / 60000)) + " min"
      : hours < 72 ? "footage lost in " + Math.floor(hours) + " h"
      : "footage lost in " + Math.floor(hours / 24) + " d";
    text += " (" + shown(deadline) + ")";
    return { text: text, urgent: hours < 24 };
  }

  var VIEW_WORDS = { in_view: "in view", facing_away: "facing away", too_far: "too far", unknown: "direction unknown" };
  function viewText(v) { return VIEW_WORDS[v] || "direction unknown"; }

  function renderList() {
    var body = $("canvass-list").querySelector("tbody");
    body.textContent = "";
    results.forEach(function (item, index) {
      var row = el("tr");
      if (!item.retained) { row.className = "lost"; }
      var check = el("input"); check.type = "checkbox"; check.value = item.camera_id;
      check.setAttribute("aria-label", "select camera " + (index + 1));
      check.addEventListener("change", updateSelection);
      var pick = el("td"); pick.appendChild(check); row.appendChild(pick);
      // The number opens that camera on the map (its popup: thumbnail, view, deadline).
      var show = el("button", String(index + 1), "btn btn-link btn-xs cam-show");
      show.type = "button";
      show.setAttribute("aria-label", "Show camera " + (index + 1) + " on the map");
      show.addEventListener("click", function () { showOnMap(index); });
      var number = el("td"); number.appendChild(show); row.appendChild(number);
      var what = el("td");
      if (item.thumbnail_url) { what.appendChild(picture(item, "canvass-thumb")); }
      what.appendChild(el("strong", item.label)); what.appendChild(el("br"));
      what.appendChild(el("small", item.address)); row.appendChild(what);
      row.appendChild(el("td", Math.round(item.distance_m) + " m"));
      row.appendChild(el("td", viewText(item.view)));
      var left = countdown(item.deadline);
      row.appendChild(el("td", left.text, left.urgent ? "countdown-urgent countdown" : "countdown"));
      var reveal = el("button", "Contact", "btn btn-xs btn-default");
      reveal.type = "button";
      reveal.addEventListener("click", function () { revealContact(item, reveal.parentNode); });
      var cell = el("td"); cell.appendChild(reveal); row.appendChild(cell);
      body.appendChild(row);
    });
  }

  /* The camera's picture as a thumbnail that opens the full picture (both addresses name the
     case searched; each opening is audited with it, and the owner sees it in their access log). */
  function picture(item, className) {
    var link = el("a", null, className);
    link.href = item.snapshot_url;
    link.target = "_blank"; link.rel = "noopener";
    var img = el("img"); img.src = item.thumbnail_url; img.alt = "What " + item.label + " sees";
    link.title = "Open the full picture";
    link.appendChild(img);
    return link;
  }

  function popupFor(item, index) {
    var box = el("div", null, "cam-popup");
    box.appendChild(el("strong", (index + 1) + ". " + item.label));
    box.appendChild(el("div", item.address));
    box.appendChild(el("div", Math.round(item.distance_m) + " m, " + viewText(item.view)));
    if (item.thumbnail_url) { box.appendChild(picture(item, "popup-thumb")); }
    else { box.appendChild(el("div", "No picture of this camera's view.", "small text-muted")); }
    return box;
  }

  function updateSelection() {
    var any = document.querySelectorAll("#canvass-list tbody input:checked").length > 0;
    $("create-requests").disabled = !any;
  }

  function refreshCountdowns() {
    var cells = document.querySelectorAll("#canvass-list tbody td.countdown");
    cells.forEach(function (cell, i) {
      var left = countdown(results[i].deadline);
      cell.textContent = left.text;
      cell.className = left.urgent ? "countdown-urgent countdown" : "countdown";
    });
  }

  var resultMarkers = [];
  function showOnMap(index) {
    var marker = resultMarkers[index];
    if (!marker) { return; }
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 17));
    marker.openPopup();
    $("map").scrollIntoView({ block: "nearest" });
  }

  function drawCanvass(data) {
    canvassLayer.clearLayers();
    resultMarkers = [];
    if (!data.route) {  // a route search keeps the drawn route on the map instead
      L.marker([data.lat, data.lon], { title: data.case_number }).addTo(canvassLayer);
      L.circle([data.lat, data.lon], { radius: data.radius_m, color: "#c00", weight: 1, fill: false }).addTo(canvassLayer);
    }
    results.forEach(function (item, index) {
      resultMarkers[index] = L.marker([item.lat, item.lon], {
        icon: L.divIcon({ className: "cam-number", html: String(index + 1), iconSize: [18, 18] }),
        zIndexOffset: 1000,
      }).bindTooltip(el("span", item.label)).bindPopup(popupFor(item, index), { minWidth: 240, maxWidth: 280 }).addTo(canvassLayer);
      var shape = cone(item.lat, item.lon, item.direction_deg, item.fov_deg, item.range_m, "#c00");
      if (shape) { canvassLayer.addLayer(shape); }
    });
  }

  function search(event) {
    event.preventDefault();
    var id = $("case-picker").value;
    if (!id) { say("Choose the case this search is for.", "warning"); return; }
    var unchosen = ["since", "until"].filter(function (f) { return $(f + "-fold") && !$(f + "-fold").value; });
    if (unchosen.length) {
      say("Say which " + (unchosen[0] === "since" ? "From" : "To") + " time you mean: it happens twice that night.", "warning");
      return;
    }
    var alongRoute = routeMode(), params;
    if (alongRoute) {
      if (drawing.count() < 2) { say("Draw the escape route first: click the map at two points or more.", "warning"); return; }
      params = new URLSearchParams({ case_id: id, route: JSON.stringify(drawing.geojson()), width_m: $("width").value });
    } else {
      params = new URLSearchParams({ case_id: id, radius_m: $("radius").value });
      if ($("lat").value) { params.set("lat", $("lat").value); params.set("lon", $("lon").value); }
    }
    if ($("since").value) { params.set("since", fromInput("since")); }
    if ($("until").value) { params.set("until", fromInput("until")); }
    fetch((alongRoute ? cfg.route_url : cfg.canvass_url) + "?" + params, { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { say(inWords(res.body.message || "The search failed."), "danger"); return; }
        results = res.body.result;
        params.delete("case_id");
        $("sheet").href = cfg.sheet_url.replace("{id}", id) + "?" + params;  // the sheet of this search
        say(results.length + (results.length === 1 ? " camera" : " cameras") + " within " + (alongRoute ? res.body.width_m / 2 + " m either side of the route."
                                                      : res.body.radius_m + " m."), "info");
        renderList(); drawCanvass(res.body); updateSelection();
        // Whoever acts on the whole result (area_request.js: ask every owner) hears of it.
        document.dispatchEvent(new CustomEvent("canvass:result", { detail: {
          case_id: Number(id), since: res.body.since, until: res.body.until,
          registration_ids: results.map(function (item) { return item.registration_id; }) } }));
      })
      .catch(function () { say("The search failed.", "danger"); });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); });
  }

  function revealContact(item, cell) {
    post(cfg.contact_url, { case_id: Number($("case-picker").value), registration_id: item.registration_id })
      .then(function (res) {
        if (!res.ok) { say(res.body.message || "Not allowed.", "danger"); return; }
        var c = res.body.result;
        cell.textContent = "";
        var PREFERS = { email: "e-mail", phone: "phone", sms: "text message", in_person: "in person" };
        var prefers = c.preferred_contact ? "prefers " + (PREFERS[c.preferred_contact] || c.preferred_contact.replace(/_/g, " ")) : "";
        [c.organisation || c.name, c.phone, c.email, prefers].forEach(function (line) {
          if (line) { cell.appendChild(el("div", line)); }
        });
      });
  }

  function createRequests() {
    var ids = Array.prototype.map.call(
      document.querySelectorAll("#canvass-list tbody input:checked"), function (c) { return Number(c.value); });
    var body = { case_id: Number($("case-picker").value), camera_ids: ids };
    if ($("since").value) { body.since = fromInput("since"); }
    if ($("until").value) { body.until = fromInput("until"); }
    post(cfg.requests_url, body).then(function (res) {
      if (!res.ok) { say(inWords(res.body.message || "No request was created."), "danger"); return; }
      var made = res.body.result, already = res.body.already_requested.length;
      say(made.length + (made.length === 1 ? " footage request opened" : " footage requests opened") +
          (already ? "; " + already + " premises already asked for this case." : "."), "success");
      var box = $("message"), list = el("ul", "");
      list.className = "created-requests";
      made.forEach(function (r) {
        var where = results.filter(function (x) { return x.registration_id === r.registration_id; })[0];
        var item = el("li", ""), link = el("a", "Request #" + r.id + (where ? " — " + where.address : ""));
        link.href = "/footage/" + r.id;
        item.appendChild(link);
        list.appendChild(item);
      });
      if (made.length) { box.appendChild(list); }
    });
  }

  $("case-picker").addEventListener("change", function () { chooseCase(Number(this.value)); });
  ["since", "until"].forEach(function (id) {
    $(id).addEventListener("change", function () { checkTime(id); });
  });
  $("canvass-form").addEventListener("submit", search);
  $("create-requests").addEventListener("click", createRequests);
  /* Around a point or along a route: the form shows the radius or the corridor width. */
  function routeMode() { return $("mode-route").checked; }
  function setMode() {
    var route = routeMode();
    $("radius-group").hidden = route; $("point-help").hidden = route;
    $("width-group").hidden = !route; $("route-help").hidden = !route; $("route-tools").hidden = !route;
    canvassLayer.clearLayers(); results = []; renderList(); updateSelection();
    if (route) {
      drawing.layer.addTo(map);
      say(drawing.count() < 2 ? "Click the map along the escape route, point by point; then press Search." : "", "info");
    } else {
      map.removeLayer(drawing.layer);
      var c = casesById[$("case-picker").value];
      if (c) { L.marker([Number($("lat").value) || c.lat, Number($("lon").value) || c.lon]).addTo(canvassLayer); }
      say("", "info");
    }
  }
  function routeChanged(tool) {
    var n = tool.count(), km = tool.lengthM() / 1000;
    $("route-undo").disabled = n === 0; $("route-clear").disabled = n === 0;
    $("route-status").textContent = n ? n + (n === 1 ? " point" : " points") + ", " + km.toFixed(2) + " km" : "";
  }
  ["mode-point", "mode-route"].forEach(function (id) { $(id).addEventListener("change", setMode); });
  $("route-undo").addEventListener("click", function () { drawing.undo(); });
  $("route-clear").addEventListener("click", function () { drawing.clear(); canvassLayer.clearLayers(); });
  $("width").addEventListener("input", function () { drawing.setWidth(Number(this.value) || 0); });
  drawing.setWidth(Number($("width").value) || 0);
  function addRoutePoint(latlng) {
    if (!drawing.add(latlng)) { say("A route has at most " + cfg.max_route_points + " points.", "warning"); }
  }
  map.on("click", function (e) {
    if (!$("case-picker").value) { say("Choose the case first.", "warning"); return; }
    if (routeMode()) { addRoutePoint(e.latlng); return; }
    $("lat").value = e.latlng.lat.toFixed(6); $("lon").value = e.latlng.lng.toFixed(6);
    canvassLayer.clearLayers();
    L.marker(e.latlng).addTo(canvassLayer);
    say("Search point moved; press Search.", "info");
  });
  map.on("moveend", loadCameras);
  if (cfg.chosen) { chooseCase(cfg.chosen); } else { loadCameras(); }
  setInterval(refreshCountdowns, 60000);
})();
