/* New footage request: list the premises a canvass of the chosen case finds (the same search
 * as the map, recorded for the case), one option per premises with its cameras, distance and
 * view; choosing one fills in the registration number. Option text is built as text only. */
(function () {
  "use strict";
  var caseSelect = document.getElementById("case_id");
  var nearby = document.getElementById("nearby");
  var button = document.getElementById("search-nearby");
  var status = document.getElementById("nearby-status");
  var number = document.getElementById("registration_id");
  if (!caseSelect || !nearby || !button || !number) { return; }
  var VIEW = { in_view: "in view", unknown: "direction unknown", facing_away: "facing away", too_far: "too far" };
  var RANK = { in_view: 0, unknown: 1, facing_away: 2, too_far: 3 };

  function premises(cameras) {
    var byRegistration = {}, order = [];
    cameras.forEach(function (c) {
      var p = byRegistration[c.registration_id];
      if (!p) {
        p = byRegistration[c.registration_id] = { id: c.registration_id, address: c.address, cameras: 0, distance: c.distance_m, view: c.view, list: [] };
        order.push(p);
      }
      p.cameras += 1;
      p.list.push(c);
      p.distance = Math.min(p.distance, c.distance_m);
      if (RANK[c.view] < RANK[p.view]) { p.view = c.view; }
    });
    return order;
  }

  var cameraIds = document.getElementById("camera_ids");
  var choices = document.createElement("fieldset");
  choices.id = "nearby-cameras";
  choices.hidden = true;
  if (cameraIds) { cameraIds.parentNode.insertBefore(choices, cameraIds.nextSibling); }
  var shown = [];

  function showCameras(p) {
    choices.textContent = "";
    choices.hidden = !p;
    if (!p || !cameraIds) { return; }
    var legend = document.createElement("legend");
    legend.textContent = "Cameras of #" + p.id + " (none ticked: all of them)";
    legend.style.fontSize = "inherit";
    choices.appendChild(legend);
    p.list.forEach(function (c) {
      var label = document.createElement("label"), box = document.createElement("input");
      box.type = "checkbox";
      box.value = c.camera_id;
      box.addEventListener("change", function () {
        cameraIds.value = Array.prototype.filter.call(choices.querySelectorAll("input"), function (b) { return b.checked; })
          .map(function (b) { return b.value; }).join(", ");
      });
      label.className = "checkbox-inline";
      label.appendChild(box);
      label.appendChild(document.createTextNode(" #" + c.camera_id + " " + c.label + " (" + (VIEW[c.view] || c.view) + ")"));
      choices.appendChild(label);
    });
  }

  function fill(found) {
    shown = found;
    nearby.textContent = "";
    var first = document.createElement("option");
    first.value = "";
    first.textContent = found.length ? "Choose premises (" + found.length + " found)" : "No registered cameras near the case";
    nearby.appendChild(first);
    found.forEach(function (p) {
      var option = document.createElement("option");
      option.value = p.id;
      option.textContent = "#" + p.id + " · " + p.address + " · " + p.cameras + (p.cameras === 1 ? " camera" : " cameras") +
        " · " + Math.round(p.distance) + " m · " + (VIEW[p.view] || p.view);
      if (String(p.id) === number.value) { option.selected = true; }
      nearby.appendChild(option);
    });
    nearby.disabled = found.length === 0;
  }

  button.addEventListener("click", function () {
    if (!caseSelect.value) { status.textContent = "Choose a case first."; return; }
    status.textContent = "Searching…";
    fetch("/api/v1/canvass/?case_id=" + encodeURIComponent(caseSelect.value), { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        if (!answer.ok) { status.textContent = "Search refused: " + (answer.body.message || "try again"); return; }
        var found = premises(answer.body.result || []);
        fill(found);
        status.textContent = found.length + " premises found within " + answer.body.radius_m + " m of case " + answer.body.case_number + ".";
        if (found.length) { nearby.focus(); }
      })
      .catch(function () { status.textContent = "The search did not answer; try again."; });
  });
  nearby.addEventListener("change", function () {
    if (nearby.value) { number.value = nearby.value; }
    if (cameraIds) { cameraIds.value = ""; }
    showCameras(shown.filter(function (p) { return String(p.id) === nearby.value; })[0]);
  });
  caseSelect.addEventListener("change", function () {
    nearby.textContent = "";
    var hint = document.createElement("option");
    hint.value = "";
    hint.textContent = "Press “Search near the case” to list them";
    nearby.appendChild(hint);
    nearby.disabled = true;
  });
})();
