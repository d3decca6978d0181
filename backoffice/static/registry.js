/* Backoffice-wide: Flask-AppBuilder's row-selection check boxes get names screen readers can say. */
(function () {
  "use strict";
  document.querySelectorAll("input[type=checkbox]").forEach(function (box) {
    if (box.labels && box.labels.length) { return; }
    if (box.hasAttribute("aria-label")) { return; }
    box.setAttribute("aria-label", box.id === "check_all" ? "Select all rows" : "Select this row");
  });
})();

/* Record pickers: beside a record-number input with data-pick-url, a search box that finds the
 * record by address, name or number (suggest.js) and fills the number in; the record the number
 * stands for is named under it, so a typed number is confirmed in words. */
(function () {
  "use strict";
  if (!window.addressSuggest) { return; }
  document.querySelectorAll("input[data-pick-url]").forEach(function (number) {
    var url = number.getAttribute("data-pick-url");
    var box = document.createElement("div");
    var label = document.createElement("label");
    var find = document.createElement("input");
    var chosen = document.createElement("p");
    box.className = "record-pick";
    find.id = number.id + "-find";
    find.type = "search";
    find.autocomplete = "off";
    find.className = "form-control";
    find.placeholder = "Type part of an address, a name or an e-mail";
    label.htmlFor = find.id;
    label.textContent = "Find it";
    chosen.className = "help-block record-chosen";
    chosen.id = number.id + "-chosen";
    chosen.setAttribute("aria-live", "polite");
    number.setAttribute("aria-describedby", chosen.id);
    box.appendChild(label);
    box.appendChild(find);
    number.insertAdjacentElement("afterend", chosen);
    number.parentNode.appendChild(box);  // after the field's own description

    function name(text) { chosen.textContent = text; }
    function lookUp() {
      var value = number.value.trim();
      if (!/^[0-9]{1,9}$/.test(value)) { name(value ? "Not a record number." : ""); return; }
      fetch(url + "?q=" + encodeURIComponent(value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) {
          var item = found.filter(function (f) { return String(f.id) === value; })[0];
          name(item ? "Chosen: " + item.label : "There is no record number " + value + ".");
        })
        .catch(function () {});
    }
    window.addressSuggest(find, url, function (item) {
      number.value = item.id;
      name("Chosen: " + item.label);
      find.value = "";
    });
    // Named as it is typed, not when the field is left: the name appearing on leaving it (a
    // mouse press on the form's button) moved the button away before the press ended, and the
    // click was lost. The line under the field keeps its height either way (registry.css).
    var pause = null;
    number.addEventListener("input", function () {
      clearTimeout(pause);
      pause = setTimeout(lookUp, 250);
    });
    number.addEventListener("change", function () { clearTimeout(pause); lookUp(); });
    if (number.value) { lookUp(); }
  });
})();

/* A text pasted into a field with a length limit is cut by the browser without a word: the
 * field says how much was left out, so nobody sends half a description thinking it whole. */
(function () {
  "use strict";
  document.addEventListener("paste", function (event) {
    var field = event.target;
    if (!field || !("value" in field) || !(field.maxLength > 0) || !field.id) { return; }
    var pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
    var selected = (field.selectionEnd || 0) - (field.selectionStart || 0);
    var room = field.maxLength - field.value.length + selected;
    var note = document.getElementById(field.id + "-cut");
    if (pasted.length <= room) {
      if (note) { note.hidden = true; }
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.id = field.id + "-cut";
      note.className = "help-block field-cut";
      note.setAttribute("role", "status");
      field.insertAdjacentElement("afterend", note);
    }
    note.textContent = "This field holds at most " + field.maxLength.toLocaleString("en-US") +
      " characters: the last " + (pasted.length - room).toLocaleString("en-US") +
      " characters of what you pasted were left out.";
    note.hidden = false;
  });
})();
