// The map's "Ask the owners in this area": after a canvass (around a point or along a route),
// it leads to the area request form with the result's premises, the case and the window.
(function () {
  "use strict";
  var button = document.getElementById("ask-area");
  if (!button) { return; }
  document.addEventListener("canvass:result", function (event) {
    var d = event.detail || {};
    var ids = (d.registration_ids || []).filter(function (id, i, all) { return all.indexOf(id) === i; });
    var ready = Boolean(d.case_id && ids.length);
    button.classList.toggle("disabled", !ready);
    button.setAttribute("aria-disabled", String(!ready));
    if (!ready) { button.href = "#"; return; }
    var params = new URLSearchParams({ case_id: d.case_id, registration_ids: ids.join(",") });
    if (d.since) { params.set("since", d.since); }
    if (d.until) { params.set("until", d.until); }
    button.href = button.getAttribute("data-url") + "?" + params;
    button.textContent = button.textContent.replace(/\s*\(\d+\)$/, "") + " (" + ids.length + ")";
  });
}());
