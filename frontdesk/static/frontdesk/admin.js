// Settings area (CSP: no inline handlers).
(function () {
  "use strict";
  // Forms marked class="confirm" ask before a destructive submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("confirm")) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
  // On a phone the section menu is one scrolling row: bring the current section into view.
  document.addEventListener("DOMContentLoaded", function () {
    var current = document.querySelector(".settings-nav a[aria-current]");
    var row = current && current.closest("ul");
    if (row && row.scrollWidth > row.clientWidth) {
      row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
    }
  });
})();
