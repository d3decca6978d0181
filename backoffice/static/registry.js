/* Backoffice-wide: Flask-AppBuilder's row-selection check boxes get names screen readers can say. */
(function () {
  "use strict";
  document.querySelectorAll("input[type=checkbox]").forEach(function (box) {
    if (box.labels && box.labels.length) { return; }
    if (box.hasAttribute("aria-label")) { return; }
    box.setAttribute("aria-label", box.id === "check_all" ? "Select all rows" : "Select this row");
  });
})();
