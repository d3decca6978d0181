/* Address suggestions under a text input: an ARIA combobox with its own list.
 *
 * The server already matches what was typed (accents, case, abbreviations: "pena" finds
 * "Calle Peña", "N Chester Av" finds "North Chester Avenue"); a <datalist> would hide those
 * suggestions again, since browsers filter it by plain substring. Items are built with text
 * nodes only. Usage: addressSuggest(input, url, function (item) { ... }).
 */
(function () {
  "use strict";
  var ACTIVE = "#d9e8f5";

  function addressSuggest(input, url, choose) {
    var list = document.createElement("ul"), items = [], active = -1, timer = null, asked = 0;
    list.id = input.id + "-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    list.className = "address-suggestions";
    Object.assign(list.style, {
      listStyle: "none", margin: "0", padding: "0", border: "1px solid #8a8f94",
      maxHeight: "16em", overflowY: "auto", background: "#fff"
    });
    input.insertAdjacentElement("afterend", list);
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var options = list.children;
      if (active >= 0 && options[active]) { options[active].style.background = ""; options[active].setAttribute("aria-selected", "false"); }
      active = index;
      if (active >= 0 && options[active]) {
        options[active].style.background = ACTIVE;
        options[active].setAttribute("aria-selected", "true");
        options[active].scrollIntoView({ block: "nearest" });
        input.setAttribute("aria-activedescendant", options[active].id);
      }
    }
    function pick(index) {
      var item = items[index];
      close();
      if (item) { choose(item); }
    }
    function show(found) {
      items = found; list.textContent = ""; active = -1;
      found.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        Object.assign(option.style, { padding: "0.5em", cursor: "pointer" });
        // mousedown, not click: it comes before the input loses focus
        option.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        list.appendChild(option);
      });
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value, ticket = ++asked;
      if (q.trim().length < 3) { show([]); return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (found) { if (ticket === asked) { show(found); } })
          .catch(function () {});
      }, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) { return; }
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); pick(active); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", close);
  }

  window.addressSuggest = addressSuggest;
})();
