// Move keyboard and screen-reader focus to an error message shown with the page.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-autofocus]");
    if (target) {
      target.focus();
    }
  });
})();

// A table wider than its box scrolls inside it (pages.css, on phones); make such a box
// reachable with the keyboard so it can be scrolled without a mouse (WCAG 2.1.1).
(function () {
  "use strict";
  function markScrollable() {
    document.querySelectorAll("table.data").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) {
        table.setAttribute("tabindex", "0");
      } else {
        table.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markScrollable);
  window.addEventListener("resize", markScrollable);
})();

// "Select all" on a checklist: ticks or clears every box of the fieldset it names, and shows
// mixed when only some are ticked. Without JavaScript the boxes still work one by one.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var set = document.getElementById(all.getAttribute("data-select-all"));
      if (!set) { return; }
      var boxes = Array.prototype.filter.call(
        set.querySelectorAll("input[type=checkbox]"), function (b) { return b !== all; });
      function sync() {
        var ticked = boxes.filter(function (b) { return b.checked; }).length;
        all.checked = ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        sync();
      });
      boxes.forEach(function (b) { b.addEventListener("change", sync); });
    });
  });
})();
