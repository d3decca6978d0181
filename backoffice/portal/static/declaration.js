// The owner's upload form: note when the recorder's clock reading was typed and when the form
// was sent, both on this device's clock; the server subtracts the wait from its own time to
// know the true moment of the reading (so a phone whose clock is wrong does not matter).
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var reading = document.getElementById("clock_reading");
  var readAt = document.getElementById("clock_read_ms");
  var sentAt = document.getElementById("clock_sent_ms");
  var noClock = document.getElementById("no_clock");
  var far = document.getElementById("clock_reading-far");
  var DAY_MS = 86400000;
  function noted() { readAt.value = reading.value ? String(Date.now()) : ""; }
  // A reading a day or more away from this device's clock is said at once, in whole days
  // (the typed value is read as this device's local time; a day is far more than any zone).
  function checkFar() {
    if (!far) { return; }
    var typed = reading.value ? new Date(reading.value).getTime() : NaN;
    var off = isNaN(typed) ? 0 : typed - Date.now();
    if (Math.abs(off) < DAY_MS) { far.hidden = true; far.textContent = ""; return; }
    var days = Math.round(Math.abs(off) / DAY_MS);
    far.textContent = far.getAttribute(off < 0 ? "data-behind" : "data-ahead").replace("{days}", days.toLocaleString(document.documentElement.lang || undefined));
    far.hidden = false;
  }
  reading.addEventListener("input", function () { noted(); checkFar(); });
  reading.addEventListener("change", function () { noted(); checkFar(); });
  checkFar();
  noClock.addEventListener("change", function () {
    reading.disabled = noClock.checked;
    if (noClock.checked) { reading.value = ""; readAt.value = ""; checkFar(); }
  });
  reading.disabled = noClock.checked;
  form.addEventListener("submit", function () { sentAt.value = String(Date.now()); });
}());
