/* Progressive enhancement for the registration form: address suggestions, map pin, cameras. */
(function () {
  "use strict";
  var form = document.querySelector("form");
  if (!form) { return; }
  var lat = form.querySelector("#lat"), lon = form.querySelector("#lon");
  var address = form.querySelector("#address");
  var mapBox = document.getElementById("map");
  var marker = null, map = null;
  var DEFAULT_CENTRE = [35.3733, -119.0187];

  function setPin(la, lo, pan) {
    lat.value = la.toFixed(6); lon.value = lo.toFixed(6);
    if (!map) { return; }
    if (!marker) {
      marker = L.marker([la, lo], { draggable: true, keyboard: true, title: mapBox.getAttribute("aria-label") }).addTo(map);
      marker.on("dragend", function () { var p = marker.getLatLng(); setPin(p.lat, p.lng, false); });
    } else { marker.setLatLng([la, lo]); }
    if (pan) { map.setView([la, lo], 17); }
  }

  if (window.L && mapBox) {
    mapBox.hidden = false;
    var help = document.getElementById("pin-help"); if (help) { help.hidden = false; }
    var start = lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)] : DEFAULT_CENTRE;
    map = L.map(mapBox, { zoomControl: false }).setView(start, lat.value ? 17 : 12);
    L.control.zoom({ zoomInTitle: mapBox.getAttribute("data-zoom-in") || "Zoom in",
                     zoomOutTitle: mapBox.getAttribute("data-zoom-out") || "Zoom out" }).addTo(map);
    if (window.mapContext) {
      window.mapContext(map, { tileUrl: mapBox.getAttribute("data-tile-url"),
        outlineUrl: mapBox.getAttribute("data-outline-url"),
        addressesUrl: mapBox.getAttribute("data-addresses-url"),
        zoomHint: mapBox.getAttribute("data-zoom-hint") });
    }
    if (lat.value && lon.value) { setPin(start[0], start[1], false); }
    map.on("click", function (e) { setPin(e.latlng.lat, e.latlng.lng, false); });
  }

  // Address suggestions from the county's address points (no outside service, suggest.js).
  // A part the county's file leaves blank (a city, the state) keeps what the owner typed.
  if (address && window.addressSuggest) {
    window.addressSuggest(address, address.getAttribute("data-suggest-url"), function (s) {
      address.value = s.address;
      [["#city", s.city], ["#state", s.state], ["#postal_code", s.postal_code]].forEach(function (pair) {
        if (pair[1]) { form.querySelector(pair[0]).value = pair[1]; }
      });
      setPin(s.lat, s.lon, true);
    });
  }

  // Cameras: add and remove without a round trip.
  var cameras = document.getElementById("cameras");
  var addButton = form.querySelector("#add_camera");
  function renumber() {
    var sets = cameras.querySelectorAll("[data-camera]");
    sets.forEach(function (set, i) {
      set.querySelector("[data-camera-number]").textContent = i + 1;
      set.querySelectorAll("[name^='cameras-'], [id^='cameras-'], label[for^='cameras-'], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) { el.setAttribute(attr, v.replace(/cameras-\d+-/g, "cameras-" + i + "-")); }
        });
      });
      var rm = set.querySelector("[data-remove-camera]"); rm.hidden = sets.length < 2;
    });
  }
  if (cameras && addButton) {
    addButton.addEventListener("click", function (e) {
      e.preventDefault();
      var sets = cameras.querySelectorAll("[data-camera]");
      var copy = sets[sets.length - 1].cloneNode(true);
      copy.querySelectorAll("input[type=text], input[type=hidden], input:not([type]), input[type=number]").forEach(function (el) {
        if (/-(label|overlooks|make_model|direction_deg|id)$/.test(el.name)) { el.value = ""; }
      });
      copy.querySelectorAll(".error").forEach(function (el) { el.remove(); });
      copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      cameras.appendChild(copy);
      renumber();
      copy.querySelector("input[name$='-label']").focus();
    });
    cameras.addEventListener("click", function (e) {
      if (e.target.hasAttribute("data-remove-camera")) {
        e.target.closest("[data-camera]").remove(); renumber();
      }
    });
    renumber();
  }
  var summary = document.getElementById("error-summary");
  if (summary) { var first = form.querySelector("[aria-invalid=true]"); (first || summary).focus(); }
})();
