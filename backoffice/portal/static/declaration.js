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
  function noted() { readAt.value = reading.value ? String(Date.now()) : ""; }
  reading.addEventListener("input", noted);
  reading.addEventListener("change", noted);
  noClock.addEventListener("change", function () {
    reading.disabled = noClock.checked;
    if (noClock.checked) { reading.value = ""; readAt.value = ""; }
  });
  reading.disabled = noClock.checked;
  form.addEventListener("submit", function () { sentAt.value = String(Date.now()); });
}());
