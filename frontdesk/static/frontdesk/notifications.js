// The bell: the unread count kept live, a panel of recent notifications, and
// (if the member chose so) a browser notification while the tab is hidden and a
// short tone made with WebAudio. Also the preferences form of /notifications/.
(function () {
  "use strict";

  var audio = null;

  function chime() {
    var AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext) return;
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
    var start = audio.currentTime;
    [880, 1318.5].forEach(function (frequency, index) {
      var tone = audio.createOscillator();
      var volume = audio.createGain();
      var at = start + index * 0.14;
      tone.type = "sine";
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, at);
      volume.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
      tone.connect(volume).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.32);
    });
  }

  function canNotify() {
    return "Notification" in window;
  }

  function showInBrowser(notification) {
    if (!canNotify() || window.Notification.permission !== "granted") return;
    var shown = new window.Notification(notification.title, {
      body: notification.body,
      // One per notification even with several tabs open.
      tag: "frontdesk-notification-" + notification.id,
    });
    shown.addEventListener("click", function () {
      window.focus();
      window.location.href = notification.url;
    });
  }

  function bell(root) {
    var button = root.querySelector(".bell-button");
    var count = root.querySelector(".bell-count");
    var panel = document.getElementById("notification-panel");
    var status = document.getElementById("bell-status");

    function setCount(unread) {
      count.textContent = String(unread);
      count.hidden = unread === 0;
      button.setAttribute(
        "aria-label",
        unread ? root.dataset.labelUnread.replace("%(number)s", String(unread)) : root.dataset.label
      );
    }

    function setOpen(open) {
      panel.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) window.htmx.trigger(panel, "open-panel");
    }

    button.addEventListener("click", function () { setOpen(panel.hidden); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) {
        event.preventDefault(); // closing the panel is all Escape does now (no shortcut)
        setOpen(false);
        button.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (!panel.hidden && !root.contains(event.target)) setOpen(false);
    });
    document.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== panel) return;
      var head = panel.querySelector("[data-unread]");
      if (head) setCount(Number(head.dataset.unread));
    });
    document.addEventListener("frontdesk:event", function (event) {
      var detail = event.detail;
      if (detail.type === "notifications.read") setCount(detail.unread);
      if (detail.type !== "notification.created") return;
      setCount(detail.unread);
      status.textContent = detail.notification.title;
      if (!panel.hidden) window.htmx.trigger(panel, "open-panel");
      if (detail.sound) chime();
      if (detail.browser && document.hidden) showInBrowser(detail.notification);
    });
  }

  function preferences(form) {
    var browser = form.querySelector("#preference-browser");
    var ask = form.querySelector("#ask-browser-permission");
    var state = form.querySelector("#browser-permission");

    function describe() {
      if (!canNotify()) {
        state.textContent = form.dataset.unsupported;
        ask.hidden = true;
        return;
      }
      var permission = window.Notification.permission;
      state.textContent = permission === "granted" ? form.dataset.granted : permission === "denied" ? form.dataset.denied : "";
      ask.hidden = permission !== "default";
    }

    function askPermission() {
      if (!canNotify()) return Promise.resolve("denied");
      return Promise.resolve(window.Notification.requestPermission()).then(function (answer) {
        describe();
        return answer;
      });
    }

    ask.addEventListener("click", function () {
      askPermission().then(function (answer) { if (answer === "granted") browser.checked = true; });
    });
    form.addEventListener("submit", function (event) {
      if (!browser.checked || !canNotify() || window.Notification.permission === "granted") return;
      // Turning browser notifications on asks the browser first (the click is the user's gesture).
      event.preventDefault();
      askPermission().then(function (answer) {
        if (answer !== "granted") browser.checked = false;
        form.submit();
      });
    });
    form.querySelector("#play-test-sound").addEventListener("click", chime);
    describe();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector(".bell[data-live-socket]");
    if (root) bell(root);
    var form = document.getElementById("notification-preferences");
    if (form) preferences(form);
  });
})();
