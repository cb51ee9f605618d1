// Live updates for the agent pages: one websocket per tab; each event refreshes
// the parts of the page that declare interest in it (data-live-refresh), through htmx.
(function () {
  "use strict";

  function conversationOf(event) {
    if (event.conversation_id !== undefined) return event.conversation_id;
    if (event.message && event.message.conversation_id !== undefined) return event.message.conversation_id;
    if (event.conversation && event.conversation.id !== undefined) return event.conversation.id;
    return null;
  }

  function refreshFor(event) {
    document.querySelectorAll("[data-live-refresh]").forEach(function (element) {
      var wanted = element.dataset.liveRefresh.split(" ");
      if (wanted.indexOf(event.type) === -1) return;
      var only = element.dataset.conversationId;
      if (only && String(conversationOf(event)) !== only) return;
      window.htmx.trigger(element, "live-refresh");
    });
  }

  function connect(delay) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/agent/");
    socket.addEventListener("open", function () {
      document.body.dataset.live = "connected";
      delay = 1000;
    });
    socket.addEventListener("message", function (message) {
      var event = JSON.parse(message.data);
      // Other scripts of the page (the web-chat typing indicator) listen for events here.
      document.dispatchEvent(new CustomEvent("frontdesk:event", { detail: event }));
      if (event.type !== "hello") refreshFor(event);
    });
    socket.addEventListener("close", function (closed) {
      document.body.dataset.live = "disconnected";
      if (closed.code === 4403) return; // signed out: nothing to listen to
      window.setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay);
    });
  }

  // A sent composer is emptied once the server has accepted it.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form.id === "composer" && event.detail.successful && !event.detail.xhr.getResponseHeader("HX-Retarget")) {
      form.reset();
      form.querySelector("textarea").focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-live-refresh]")) connect(1000);
  });
})();
