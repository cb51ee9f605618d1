// The customer sidebar (inbox/_sidebar_panel.html): a section refreshes itself when a live event names
// this contact (or, for labels, this conversation); a form opens focused; Escape cancels it; after a save
// or a cancel the focus goes back to the section's button.
(function () {
  "use strict";

  function contactOf(event) {
    if (event.contact_id !== undefined) return event.contact_id;
    if (event.contact && event.contact.id !== undefined) return event.contact.id;
    return null;
  }

  function conversationOf(event) {
    if (event.conversation && event.conversation.id !== undefined) return event.conversation.id;
    if (event.conversation_id !== undefined) return event.conversation_id;
    return null;
  }

  function concerns(panel, event) {
    if (event.type.indexOf("contact.") === 0) return String(contactOf(event)) === panel.dataset.contactId;
    return String(conversationOf(event)) === panel.dataset.conversationId;
  }

  // Never throw away what the agent is typing: an open form or a typed note waits for its save or cancel.
  // A section's own requests (hx-sync="this:replace") abort a refresh in flight; a refresh never starts
  // while one of them is in flight.
  function busy(section) {
    if (section.classList.contains("editing") || section.classList.contains("htmx-request")) return true;
    if (section.querySelector(".htmx-request")) return true;
    var active = document.activeElement;
    if (active && section.contains(active) && active.matches("input, textarea, select")) return true;
    return Array.prototype.some.call(section.querySelectorAll("textarea, input:not([type=hidden])"), function (field) {
      return field.value !== field.defaultValue;
    });
  }

  document.addEventListener("frontdesk:event", function (domEvent) {
    var panel = document.querySelector(".customer-sidebar");
    var event = domEvent.detail;
    if (!panel || !event || !event.type || !concerns(panel, event)) return;
    panel.querySelectorAll("[data-sidebar-refresh]").forEach(function (section) {
      if (section.dataset.sidebarRefresh.split(" ").indexOf(event.type) === -1 || busy(section)) return;
      window.htmx.trigger(section, "sidebar-refresh");
    });
  });

  function focusIn(section) {
    if (section.classList.contains("editing")) {
      var field = section.querySelector(".sidebar-form [aria-invalid=true]") ||
        section.querySelector(".sidebar-form input:not([type=hidden]), .sidebar-form select, .sidebar-form textarea");
      if (field) { field.focus(); return; }
    }
    if (!section.hasAttribute("data-return-focus")) return;
    var target = section.querySelector("[aria-invalid=true]") || section.querySelector(".sidebar-edit, .sidebar-note-form textarea");
    if (target) target.focus();
  }

  document.addEventListener("htmx:load", function (loaded) {
    var section = loaded.target;
    if (section instanceof Element && section.classList.contains("sidebar-section")) focusIn(section);
  });

  document.addEventListener("keydown", function (key) {
    if (key.key !== "Escape" || !(key.target instanceof Element)) return;
    var section = key.target.closest(".customer-sidebar .sidebar-section.editing");
    var cancel = section && section.querySelector(".sidebar-cancel");
    if (!cancel) return;
    key.preventDefault();
    key.stopPropagation();
    cancel.click();
  });
})();
