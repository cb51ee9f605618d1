// Never two on one case: on a conversation, say who else has it open or is
// typing in it, and tell the others when this agent types; in the inbox list,
// mark the rows someone has open. Reports go through window.frontdeskLive.
(function () {
  "use strict";

  var TYPING_EVERY_MS = 3000;
  var IDLE_AFTER_MS = 5000;

  function ownId(fallback) {
    var id = window.frontdeskLive && window.frontdeskLive.memberId;
    return String(id !== null && id !== undefined ? id : fallback);
  }

  function othersIn(event, me) {
    return event.viewers.filter(function (viewer) { return String(viewer.member_id) !== me; });
  }

  function fill(template, name) {
    return template.replace("%(name)s", name);
  }

  function conversationPage(element) {
    var conversationId = Number(element.dataset.presenceConversation);
    var lastTyping = 0;
    var idleTimer = null;

    function report(state) {
      window.frontdeskLive.send({ type: "presence", conversation_id: conversationId, state: state });
    }

    function show(viewers) {
      element.replaceChildren();
      viewers.forEach(function (viewer) {
        var line = document.createElement("span");
        line.className = viewer.typing ? "presence-viewer typing" : "presence-viewer";
        line.textContent = fill(viewer.typing ? element.dataset.typing : element.dataset.viewing, viewer.name);
        element.appendChild(line);
      });
      element.hidden = viewers.length === 0;
    }

    function typed() {
      var now = Date.now();
      if (now - lastTyping >= TYPING_EVERY_MS) {
        lastTyping = now;
        report("typing");
      }
      window.clearTimeout(idleTimer);
      idleTimer = window.setTimeout(stopped, IDLE_AFTER_MS);
    }

    function stopped() {
      window.clearTimeout(idleTimer);
      if (lastTyping === 0) return;
      lastTyping = 0;
      report("idle");
    }

    element.hidden = true;
    report("viewing");
    // The composer may be swapped by htmx: listen on the document.
    document.addEventListener("input", function (event) {
      if (event.target.id === "composer-text") typed();
    });
    document.addEventListener("submit", function (event) {
      if (event.target.id === "composer") stopped();
    }, true);
    document.addEventListener("frontdesk:event", function (event) {
      var detail = event.detail;
      if (detail.type !== "presence.changed" || detail.conversation_id !== conversationId) return;
      show(othersIn(detail, ownId(element.dataset.memberId)));
    });
    window.addEventListener("pagehide", function () { report("left"); });
  }

  function inboxList(container) {
    var known = {};
    // The label comes translated with the bell, which every agent page has.
    var bell = document.querySelector("[data-presence-badge]");
    var label = bell ? bell.dataset.presenceBadge : "%(name)s";

    function rowsOf(id) {
      return container.querySelectorAll('[data-conversation-id="' + id + '"]');
    }

    function mark(id) {
      var names = (known[id] || []).map(function (viewer) { return viewer.name; }).join(", ");
      rowsOf(id).forEach(function (row) {
        var badge = row.querySelector(".presence-badge");
        if (!names) {
          if (badge) badge.remove();
          return;
        }
        if (!badge) {
          badge = document.createElement("span");
          badge.className = "presence-badge";
          badge.dataset.testid = "presence-badge";
          (row.querySelector(".row-meta") || row).appendChild(badge);
        }
        badge.textContent = fill(label, names);
      });
    }

    function ask() {
      var ids = [];
      container.querySelectorAll("[data-conversation-id]").forEach(function (row) {
        var id = Number(row.dataset.conversationId);
        if (id && ids.indexOf(id) === -1) ids.push(id);
      });
      if (ids.length) window.frontdeskLive.send({ type: "presence.query", conversation_ids: ids });
      Object.keys(known).forEach(mark);
    }

    document.addEventListener("frontdesk:event", function (event) {
      var detail = event.detail;
      if (detail.type === "hello") ask();
      if (detail.type !== "presence.changed") return;
      known[detail.conversation_id] = othersIn(detail, ownId(""));
      mark(detail.conversation_id);
    });
    // The list is swapped on live updates: put the badges back once the swaps settle.
    var pending = null;
    document.addEventListener("htmx:afterSwap", function (event) {
      if (!container.contains(event.detail.target) && event.detail.target !== container) return;
      window.clearTimeout(pending);
      pending = window.setTimeout(ask, 300);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.frontdeskLive) return;
    var element = document.getElementById("presence");
    if (element) conversationPage(element);
    // The inbox list (its rows carry data-conversation-id), whichever part of it htmx swaps.
    var rows = document.getElementById("conversation-results") || document.getElementById("conversation-rows");
    if (rows && !element) inboxList(rows);
  });
})();
