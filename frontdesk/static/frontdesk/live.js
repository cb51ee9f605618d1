// Live updates for the agent pages: one websocket per tab; each event refreshes
// the parts of the page that declare interest in it (data-live-refresh), through htmx.
// Other scripts send through window.frontdeskLive.send(message) and listen for
// "frontdesk:event" on the document.
(function () {
  "use strict";

  var HEARTBEAT_MS = 20000;
  var socket = null;
  var queue = [];
  // The last presence state per conversation: said again after a reconnect and
  // every HEARTBEAT_MS, so the server knows this tab is still there.
  var presence = {};

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

  function isOpen() {
    return socket !== null && socket.readyState === WebSocket.OPEN;
  }

  function send(message) {
    if (message.type === "presence") {
      if (message.state === "left") delete presence[message.conversation_id];
      else presence[message.conversation_id] = message;
      if (!isOpen()) return; // said on (re)connect
    } else if (!isOpen()) {
      queue.push(message);
      return;
    }
    socket.send(JSON.stringify(message));
  }

  function sayPresence() {
    if (!isOpen()) return;
    Object.keys(presence).forEach(function (id) { socket.send(JSON.stringify(presence[id])); });
  }

  function connect(delay) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/agent/");
    socket.addEventListener("open", function () {
      document.body.dataset.live = "connected";
      delay = 1000;
      var waiting = queue;
      queue = [];
      waiting.forEach(function (message) { socket.send(JSON.stringify(message)); });
      sayPresence();
    });
    socket.addEventListener("message", function (message) {
      var event = JSON.parse(message.data);
      if (event.type === "hello") window.frontdeskLive.memberId = event.member;
      // Other scripts of the page (presence, notifications, the web-chat typing indicator) listen here.
      document.dispatchEvent(new CustomEvent("frontdesk:event", { detail: event }));
      if (event.type !== "hello") refreshFor(event);
    });
    socket.addEventListener("close", function (closed) {
      document.body.dataset.live = "disconnected";
      if (closed.code === 4403) return; // signed out: nothing to listen to
      window.setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay);
    });
  }

  window.frontdeskLive = { send: send, memberId: null };

  // A sent composer is emptied once the server has accepted it.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form.id === "composer" && event.detail.successful && !event.detail.xhr.getResponseHeader("HX-Retarget")) {
      form.reset();
      form.querySelector("textarea").focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("[data-live-refresh], [data-live-socket]")) return;
    connect(1000);
    window.setInterval(sayPresence, HEARTBEAT_MS);
  });
})();
