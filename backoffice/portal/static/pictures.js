/* The management page's pictures. Sending a picture (or removing one) reloads the page, so
 * changes typed into the details form above and not yet saved would be lost: the picture is
 * then not sent, and the owner is told to save those changes first. A picture refused is said
 * by its camera, far down a phone's page: the page opens there. */
(function () {
  "use strict";
  var pictures = document.getElementById("pictures");
  if (!pictures) { return; }
  var details = pictures.previousElementSibling;  // the details form comes just before
  while (details && details.tagName !== "FORM") { details = details.previousElementSibling; }
  var unsaved = false;
  if (details) {
    ["input", "change"].forEach(function (kind) {
      details.addEventListener(kind, function () { unsaved = true; });
    });
    details.addEventListener("submit", function () { unsaved = false; });
  }
  pictures.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!unsaved) { return; }
      event.preventDefault();
      var note = form.querySelector(".unsaved-note");
      if (!note) {
        note = document.createElement("p");
        note.className = "error unsaved-note";
        note.setAttribute("role", "alert");
        form.appendChild(note);
      }
      note.textContent = pictures.getAttribute("data-unsaved");
    });
  });
  var refused = pictures.querySelector(".has-error");
  function reveal() {
    refused.scrollIntoView({ block: "center" });
    var file = refused.querySelector("input[type=file]");
    if (file) { file.focus({ preventScroll: true }); }
  }
  if (refused) {
    reveal();
    // Pictures and the map above load after this and push it down: look again once they have.
    if (document.readyState !== "complete") { window.addEventListener("load", reveal); }
  }
}());
