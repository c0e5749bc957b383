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
