// The callback queue's clocks: each waiting request counts up every second and turns amber
// (at risk) then red (target missed); the navigation count turns red with it; a retry that
// comes due refreshes the queue. Server-rendered numbers are the starting point, so a slow
// or skewed client clock does not change what the agent sees.
(function () {
  "use strict";

  var seen = new WeakMap();

  function elapsed(element, attribute) {
    if (!seen.has(element)) seen.set(element, Date.now());
    return Number(element.dataset[attribute]) + Math.floor((Date.now() - seen.get(element)) / 1000);
  }

  function clock(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function refresh(selector) {
    document.querySelectorAll(selector).forEach(function (element) {
      if (window.htmx) window.htmx.trigger(element, "live-refresh");
    });
  }

  function tick() {
    var breached = false;
    document.querySelectorAll("[data-waited]").forEach(function (item) {
      var waited = elapsed(item, "waited");
      var target = Number(item.dataset.target);
      var atRisk = Number(item.dataset.atRisk);
      item.classList.toggle("breached", waited >= target);
      item.classList.toggle("at-risk", waited >= atRisk && waited < target);
      if (waited >= target) breached = true;
      var timer = item.querySelector(".callback-timer");
      if (timer) timer.textContent = clock(waited);
    });
    var waitingCount = document.querySelector("[data-testid=waiting-count]");
    if (waitingCount) waitingCount.classList.toggle("breached", breached);
    document.querySelectorAll("[data-oldest-waited]").forEach(function (count) {
      count.classList.toggle("breached", elapsed(count, "oldestWaited") >= Number(count.dataset.target));
    });
    var due = false;
    document.querySelectorAll("[data-due-in]").forEach(function (item) {
      if (!seen.has(item)) seen.set(item, Date.now());
      var left = Number(item.dataset.dueIn) - Math.floor((Date.now() - seen.get(item)) / 1000);
      if (left <= 0 && !item.dataset.refreshed) {
        item.dataset.refreshed = "1";
        due = true;
      }
    });
    if (due) refresh("#callback-live, #callback-nav");
  }

  // Pressing "Call" starts the first attempt's clock on the server; the tel: link still opens the phone.
  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    var cookie = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return cookie ? decodeURIComponent(cookie[1]) : "";
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-dialling-url]");
    if (!link) return;
    fetch(link.dataset.diallingUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": csrfToken() },
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("#callback-live, #callback-nav")) window.setInterval(tick, 1000);
  });
})();
