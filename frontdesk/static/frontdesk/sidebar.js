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

  // A merge or an unmerge changes every section of both contacts' sidebars.
  function isMerge(event) {
    return event.type === "contact.merged" || event.type === "contact.unmerged";
  }

  function concerns(panel, event) {
    if (isMerge(event)) {
      var restored = event.restored ? event.restored.id : null;
      return [contactOf(event), event.absorbed_id, restored].map(String).indexOf(panel.dataset.contactId) !== -1;
    }
    // Business context (context.updated, context.removed) is a contact's too.
    if (event.type.indexOf("contact.") === 0 || event.type.indexOf("context.") === 0) {
      return String(contactOf(event)) === panel.dataset.contactId;
    }
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

  // A keyboard user on a button of a section that refreshes keeps the focus on the same button.
  var refocus = {};

  document.addEventListener("frontdesk:event", function (domEvent) {
    var panel = document.querySelector(".customer-sidebar");
    var event = domEvent.detail;
    if (!panel || !event || !event.type || !concerns(panel, event)) return;
    panel.querySelectorAll("[data-sidebar-refresh]").forEach(function (section) {
      var wanted = isMerge(event) || section.dataset.sidebarRefresh.split(" ").indexOf(event.type) !== -1;
      if (!wanted || busy(section)) return;
      window.htmx.trigger(section, "sidebar-refresh");
    });
  });

  // Where the focus is when the section is replaced (not when the refresh was asked for: it may have moved since).
  document.addEventListener("htmx:beforeSwap", function (swap) {
    var target = swap.detail.target;
    var active = document.activeElement;
    if (!(target instanceof Element) || !target.classList.contains("sidebar-section")) return;
    if (active && active !== target && target.contains(active)) refocus[target.id] = nameOf(active);
  });

  function nameOf(element) {
    return element.getAttribute("aria-label") || element.textContent.trim();
  }

  function restoreFocus(section) {
    var wanted = refocus[section.id];
    delete refocus[section.id];
    if (wanted === undefined || (document.activeElement && document.activeElement !== document.body)) return;
    var same = Array.prototype.find.call(section.querySelectorAll("button, a[href]"), function (element) {
      return nameOf(element) === wanted;
    });
    (same || section.querySelector("button, a[href]") || section).focus();
  }

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
    if (!(section instanceof Element) || !section.classList.contains("sidebar-section")) return;
    // An opened form or a save takes the focus; a plain refresh gives it back where it was.
    if (section.classList.contains("editing") || section.hasAttribute("data-return-focus")) {
      delete refocus[section.id];
      focusIn(section);
    } else if (section.id in refocus) {
      restoreFocus(section);
    }
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
