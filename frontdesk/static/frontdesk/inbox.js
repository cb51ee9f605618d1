// The conversation list: live refresh at most every 300 ms, checked rows, focus and scroll kept across refreshes,
// the bulk toolbar, the phone-width filter panel and label colours (the CSP forbids style attributes).
(function () {
  "use strict";

  var REFRESH_EVERY = 300;
  var timer = null;
  var selected = new Set();
  var kept = null;

  function results() { return document.getElementById("conversation-results"); }
  function rowChecks() { return Array.prototype.slice.call(document.querySelectorAll("#conversation-results .row-check")); }

  function refresh() {
    window.clearTimeout(timer);
    timer = null;
    var element = results();
    if (element) window.htmx.trigger(element, "inbox-refresh");
  }

  // A burst of events causes one refresh; the last event of the burst is never missed.
  function refreshSoon() {
    if (timer === null) timer = window.setTimeout(refresh, REFRESH_EVERY);
  }

  function paintLabels(root) {
    root.querySelectorAll(".label[data-color]").forEach(function (label) {
      label.style.setProperty("--label-color", label.dataset.color);
    });
  }

  function updateToolbar() {
    var toolbar = document.getElementById("bulk-form");
    if (!toolbar) return;
    var checks = rowChecks();
    var count = checks.filter(function (check) { return check.checked; }).length;
    toolbar.hidden = count === 0;
    document.getElementById("bulk-count").textContent = String(count);
    var all = document.getElementById("select-all");
    if (all) {
      all.checked = count > 0 && count === checks.length;
      all.indeterminate = count > 0 && count < checks.length;
    }
  }

  document.addEventListener("live-refresh", function (event) {
    if (event.target === results()) refreshSoon();
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.classList.contains("row-check")) {
      if (target.checked) selected.add(target.value); else selected.delete(target.value);
      updateToolbar();
    } else if (target.id === "select-all") {
      rowChecks().forEach(function (check) {
        check.checked = target.checked;
        if (target.checked) selected.add(check.value); else selected.delete(check.value);
      });
      updateToolbar();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target !== results()) return;
    var active = document.activeElement;
    var row = active && active.closest ? active.closest(".conversation-row") : null;
    kept = {
      scroll: window.scrollY,
      row: row ? row.dataset.conversationId : null,
      onCheck: !!(active && active.classList && active.classList.contains("row-check")),
    };
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== results()) return;
    var present = new Set();
    rowChecks().forEach(function (check) {
      present.add(check.value);
      check.checked = selected.has(check.value);
    });
    selected.forEach(function (id) { if (!present.has(id)) selected.delete(id); });
    paintLabels(event.detail.target);
    updateToolbar();
    if (kept) {
      if (kept.row) {
        var row = event.detail.target.querySelector('.conversation-row[data-conversation-id="' + kept.row + '"]');
        var focusable = row && row.querySelector(kept.onCheck ? ".row-check" : "a");
        if (focusable) focusable.focus({ preventScroll: true });
      }
      window.scrollTo(window.scrollX, kept.scroll);
      kept = null;
    }
  });

  // After a bulk action: clear the selection and show the result at once.
  document.addEventListener("inbox-bulk-done", function () {
    selected.clear();
    rowChecks().forEach(function (check) { check.checked = false; });
    updateToolbar();
    refresh();
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest ? event.target.closest("#filters-toggle") : null;
    if (!toggle) return;
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    document.getElementById("inbox").classList.toggle("filters-open", open);
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (!results()) return;
    paintLabels(document);
    rowChecks().forEach(function (check) { if (check.checked) selected.add(check.value); });
    updateToolbar();
  });
})();
