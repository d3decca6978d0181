/* Case form: pick the incident location by clicking a small map or by choosing one of the
   county's address points (either fills #lat and #lon). */
(function () {
  "use strict";
  var box = document.getElementById("pick-map");
  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  if (!box || !lat || !lon) { return; }
  var start = lat.value && lon.value ? [Number(lat.value), Number(lon.value)] : [35.3733, -119.0187];
  var map = L.map(box, { minZoom: 3, maxZoom: 19 }).setView(start, lat.value ? 16 : 12);
  window.mapContext(map, { tileUrl: box.dataset.tileUrl, outlineUrl: box.dataset.outlineUrl,
    addressesUrl: box.dataset.addressesUrl });
  var marker = lat.value && lon.value ? L.marker(start).addTo(map) : null;
  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
  }
  map.on("click", function (e) {
    lat.value = e.latlng.lat.toFixed(6);
    lon.value = e.latlng.lng.toFixed(6);
    place(e.latlng);
  });
  var search = document.getElementById("pick-address");
  if (search && box.dataset.addressUrl && window.addressSuggest) {
    window.addressSuggest(search, box.dataset.addressUrl, function (chosen) {
      search.value = chosen.label;
      var address = document.getElementById("address");
      if (address) { address.value = chosen.label; }
      lat.value = chosen.lat.toFixed(6);
      lon.value = chosen.lon.toFixed(6);
      place([chosen.lat, chosen.lon]);
      map.setView([chosen.lat, chosen.lon], 17);
    });
  }
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      if (lat.value && lon.value) { place([Number(lat.value), Number(lon.value)]); map.panTo([Number(lat.value), Number(lon.value)]); }
    });
  });
})();
