// Speed for experts: keyboard shortcuts, the command palette (Ctrl/Cmd+K) and the shortcut help (?).
// The markup (and every translated string) comes from inbox/_palette.html; this file only adds behaviour.
(function () {
  "use strict";

  var LIST_KEY = "frontdesk.shortcuts.list";
  var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;
  var config, announcer, palette, paletteInput, paletteOptions, paletteResults, paletteStatus, help;
  var waitingForSecondKey = null;
  var searchTimer = null;
  var searchNumber = 0;

  // ---- where we are ------------------------------------------------------------------------

  function conversationIdInPath() {
    var match = window.location.pathname.match(/\/conversations\/(\d+)\/?$/);
    return match ? match[1] : null;
  }

  function listContainer() {
    return document.querySelector('[data-testid="conversation-list"]');
  }

  function rows() {
    var list = listContainer();
    return list ? Array.prototype.slice.call(list.querySelectorAll(".conversation-row")) : [];
  }

  function rowLink(row) {
    return row.querySelector('a[href*="/conversations/"]') || row.querySelector("a[href]");
  }

  function rowId(row) {
    if (row.dataset.conversationId) return row.dataset.conversationId;
    var link = rowLink(row);
    var match = link && link.getAttribute("href").match(/\/conversations\/(\d+)\//);
    return match ? match[1] : null;
  }

  function readList() {
    try {
      return JSON.parse(window.sessionStorage.getItem(LIST_KEY) || "null");
    } catch (error) {
      return null;
    }
  }

  function writeList(list) {
    try {
      window.sessionStorage.setItem(LIST_KEY, JSON.stringify(list));
    } catch (error) {
      // Storage may be full or refused (private mode): j/k then works on the list page only.
    }
  }

  // The list the agent saw last, so j/k on a conversation page walk through it.
  function rememberList() {
    if (!listContainer()) return;
    var previous = readList() || {};
    writeList({
      url: window.location.pathname + window.location.search,
      rows: rows().map(function (row) {
        var link = rowLink(row);
        return { id: rowId(row), href: link ? link.getAttribute("href") : null };
      }).filter(function (row) { return row.id && row.href; }),
      current: previous.current || null,
    });
  }

  function rememberCurrent(id) {
    var list = readList();
    if (!list) return;
    list.current = id;
    writeList(list);
  }

  function announce(text) {
    if (!announcer || !text) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // ---- the list ----------------------------------------------------------------------------

  function currentRowIndex(all) {
    var active = document.activeElement;
    for (var i = 0; i < all.length; i++) {
      if (active && all[i].contains(active)) return i;
    }
    for (var j = 0; j < all.length; j++) {
      if (all[j].classList.contains("shortcut-current")) return j;
    }
    return -1;
  }

  function markRow(row, focus) {
    rows().forEach(function (other) {
      other.classList.remove("shortcut-current");
    });
    if (!row) return;
    row.classList.add("shortcut-current");
    var link = rowLink(row);
    if (focus && link) link.focus();
    row.scrollIntoView({ block: "nearest" });
    rememberCurrent(rowId(row));
  }

  function moveInList(step) {
    var all = rows();
    if (!all.length) return;
    var index = currentRowIndex(all);
    var next = index === -1 ? 0 : index + step;
    if (next < 0) {
      announce(announcer.dataset.start);
      next = 0;
    } else if (next >= all.length) {
      announce(announcer.dataset.end);
      next = all.length - 1;
    }
    markRow(all[next], true);
  }

  function openCurrentRow() {
    var all = rows();
    var index = currentRowIndex(all);
    if (index === -1) return false;
    var link = rowLink(all[index]);
    if (!link) return false;
    link.click();
    return true;
  }

  // Mark the row of the conversation last chosen; give it the focus again when a refresh took the focus away.
  function restoreCurrentRow(focusIfLost) {
    var list = readList();
    if (!list || !list.current) return;
    var row = rows().filter(function (candidate) { return rowId(candidate) === String(list.current); })[0];
    if (!row) return;
    var lost = !document.activeElement || document.activeElement === document.body;
    markRow(row, focusIfLost && lost);
  }

  // ---- a conversation page -----------------------------------------------------------------

  function moveFromConversation(step) {
    var list = readList();
    var here = conversationIdInPath();
    if (!list || !list.rows || !list.rows.length) {
      announce(announcer.dataset.noList);
      return;
    }
    var index = -1;
    for (var i = 0; i < list.rows.length; i++) {
      if (String(list.rows[i].id) === here) index = i;
    }
    var next = index === -1 ? 0 : index + step;
    if (next < 0 || next >= list.rows.length) {
      announce(next < 0 ? announcer.dataset.start : announcer.dataset.end);
      return;
    }
    list.current = list.rows[next].id;
    writeList(list);
    window.location.assign(list.rows[next].href);
  }

  function backToList() {
    var list = readList();
    if (here() === "conversation") {
      if (list) list.current = conversationIdInPath();
      if (list) writeList(list);
      window.location.assign(list && list.url ? list.url : config.dataset.inboxUrl);
    } else {
      markRow(null);
    }
  }

  function here() {
    if (listContainer()) return "list";
    if (conversationIdInPath()) return "conversation";
    return "other";
  }

  function compose(kind) {
    var radio = document.querySelector('input[name="kind"][value="' + kind + '"]');
    var text = document.getElementById("composer-text");
    if (!radio && !text) return false;
    if (radio && !radio.checked) radio.click();
    if (text) text.focus();
    return true;
  }

  function clickAction(selector) {
    var control = document.querySelector(selector);
    if (!control || control.disabled) return false;
    control.click();
    return true;
  }

  function focusSearch() {
    var field = document.querySelector("[data-shortcut-search]") ||
      document.querySelector('main form[role="search"] input:not([type="hidden"])') ||
      document.querySelector('main input[type="search"]');
    if (!field) {
      openPalette();
      return;
    }
    field.focus();
    if (field.select) field.select();
  }

  // ---- dialogs -----------------------------------------------------------------------------

  function openDialog(dialog) {
    if (!dialog || dialog.open) return;
    [palette, help].forEach(closeDialog);
    dialog.opener = document.activeElement;
    dialog.showModal();
  }

  function closeDialog(dialog) {
    if (dialog && dialog.open) dialog.close();
  }

  // Give the focus back to where it was, unless the chosen command already put it somewhere (the composer).
  function onDialogClosed(event) {
    var dialog = event.target;
    var opener = dialog.opener;
    var active = document.activeElement;
    var lost = !active || active === document.body || dialog.contains(active);
    if (lost && opener && opener.focus && document.contains(opener)) opener.focus();
  }

  // Tab and Shift+Tab go round inside an open dialog (the page behind is inert).
  function trapFocus(event) {
    if (event.key !== "Tab") return;
    var dialog = event.currentTarget;
    var focusable = Array.prototype.filter.call(
      dialog.querySelectorAll('button, [href], input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])'),
      function (element) { return !element.disabled && element.offsetParent !== null; }
    );
    if (!focusable.length) return;
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      last.focus();
      event.preventDefault();
    } else if (!event.shiftKey && document.activeElement === last) {
      first.focus();
      event.preventDefault();
    }
  }

  function foreignDialogOpen() {
    return Array.prototype.some.call(document.querySelectorAll("dialog[open]"), function (dialog) {
      return dialog !== palette && dialog !== help;
    });
  }

  function openHelp() {
    openDialog(help);
    var close = help.querySelector("[data-close]");
    if (close) close.focus();
  }

  // ---- the command palette -----------------------------------------------------------------

  function openPalette() {
    openDialog(palette);
    paletteInput.value = "";
    updatePalette();
    paletteInput.focus();
  }

  function isSearchable(query) {
    return query.length >= 2 || (query.length === 1 && CJK.test(query));
  }

  function commandAvailable(option) {
    if (option.dataset.click) return !!document.querySelector(option.dataset.click);
    if (option.dataset.compose) return !!document.getElementById("composer-text");
    return true;
  }

  function matches(option, words) {
    var label = option.querySelector(".palette-label");
    var haystack = ((label ? label.textContent : option.textContent) + " " + (option.dataset.keywords || "")).toLowerCase();
    return words.every(function (word) { return haystack.indexOf(word) !== -1; });
  }

  function visibleOptions() {
    return Array.prototype.filter.call(paletteOptions.querySelectorAll('[role="option"]'), function (option) {
      return !option.hidden && !option.closest("[hidden]");
    });
  }

  function setActive(option) {
    paletteOptions.querySelectorAll('[role="option"]').forEach(function (other) {
      other.setAttribute("aria-selected", other === option ? "true" : "false");
    });
    if (option) {
      paletteInput.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      paletteInput.removeAttribute("aria-activedescendant");
    }
  }

  function activeOption() {
    var option = paletteOptions.querySelector('[role="option"][aria-selected="true"]');
    return option && visibleOptions().indexOf(option) !== -1 ? option : null;
  }

  function moveActive(step) {
    var options = visibleOptions();
    if (!options.length) return;
    var index = options.indexOf(activeOption());
    var next = index === -1 ? (step > 0 ? 0 : options.length - 1) : (index + step + options.length) % options.length;
    setActive(options[next]);
  }

  function updatePalette() {
    var query = paletteInput.value.trim();
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    var commands = paletteOptions.querySelector('[data-group="commands"]');
    var shown = 0;
    commands.querySelectorAll('[role="option"]').forEach(function (option) {
      option.hidden = !commandAvailable(option) || !matches(option, words);
      if (!option.hidden) shown++;
    });
    commands.hidden = shown === 0;
    paletteResults.replaceChildren();
    paletteStatus.textContent = "";
    window.clearTimeout(searchTimer);
    searchNumber++;
    if (isSearchable(query)) {
      paletteStatus.textContent = paletteStatus.dataset.searching;
      searchTimer = window.setTimeout(function () { search(query, searchNumber); }, 250);
    }
    setActive(visibleOptions()[0] || null);
  }

  function textPieces(element, pieces) {
    pieces.forEach(function (piece) {
      var node = document.createElement(piece.mark ? "mark" : "span");
      node.textContent = piece.text;
      element.appendChild(node);
    });
  }

  function resultOption(kind, result) {
    var option = document.createElement("div");
    option.setAttribute("role", "option");
    option.className = "palette-option palette-result";
    option.id = "palette-result-" + kind + "-" + result.id;
    if (result.url) option.dataset.href = result.url;
    else option.setAttribute("aria-disabled", "true");
    var title = document.createElement("span");
    title.className = "palette-label";
    textPieces(title, result.title);
    option.appendChild(title);
    if (result.detail && result.detail.length) {
      var detail = document.createElement("span");
      detail.className = "palette-detail";
      textPieces(detail, result.detail);
      option.appendChild(detail);
    }
    return option;
  }

  function resultGroup(kind, results) {
    var group = document.createElement("div");
    group.className = "palette-group";
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", "palette-group-" + kind);
    var title = document.createElement("div");
    title.className = "palette-group-title";
    title.id = "palette-group-" + kind;
    title.setAttribute("role", "presentation");
    title.textContent = paletteOptions.dataset["label" + kind.charAt(0).toUpperCase() + kind.slice(1)];
    group.appendChild(title);
    results.forEach(function (result) { group.appendChild(resultOption(kind, result)); });
    return group;
  }

  function search(query, number) {
    var url = config.dataset.searchUrl + "?q=" + encodeURIComponent(query);
    window.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) {
        if (number !== searchNumber || !found) return;
        ["contacts", "conversations", "messages"].forEach(function (kind) {
          if (found[kind] && found[kind].length) paletteResults.appendChild(resultGroup(kind, found[kind]));
        });
        var all = document.createElement("div");
        all.setAttribute("role", "option");
        all.className = "palette-option palette-search-all";
        all.id = "palette-search-all";
        all.dataset.href = config.dataset.searchPageUrl + "?q=" + encodeURIComponent(query);
        var label = document.createElement("span");
        label.className = "palette-label";
        label.textContent = paletteOptions.dataset.labelSearchAll.replace("{query}", query);
        all.appendChild(label);
        paletteResults.appendChild(all);
        var count = found.contacts.length + found.conversations.length + found.messages.length;
        paletteStatus.textContent = count ? "" : paletteStatus.dataset.none;
        // Commands stay first when they match; otherwise the first result is ready for Enter.
        if (!activeOption()) setActive(visibleOptions()[0] || null);
      })
      .catch(function () {
        if (number === searchNumber) paletteStatus.textContent = "";
      });
  }

  function choose(option) {
    if (!option || option.getAttribute("aria-disabled") === "true") return;
    var data = option.dataset;
    closeDialog(palette);
    if (data.href) {
      window.location.assign(data.href);
    } else if (data.click) {
      clickAction(data.click);
    } else if (data.compose) {
      compose(data.compose);
    } else if (data.submit) {
      var form = document.getElementById(data.submit);
      if (form) form.submit();
    } else if (data.command === "help") {
      openHelp();
    }
  }

  function onPaletteKey(event) {
    if (event.isComposing || event.keyCode === 229) return;
    if (event.key === "ArrowDown") {
      moveActive(1);
      event.preventDefault();
    } else if (event.key === "ArrowUp") {
      moveActive(-1);
      event.preventDefault();
    } else if (event.key === "Enter") {
      event.preventDefault();
      var option = activeOption();
      var query = paletteInput.value.trim();
      if (option) choose(option);
      else if (isSearchable(query)) window.location.assign(config.dataset.searchPageUrl + "?q=" + encodeURIComponent(query));
    }
  }

  // ---- the keyboard ------------------------------------------------------------------------

  function isTyping(element) {
    if (!element || element === document.body) return false;
    // A dialog just closed keeps the focus in its box until the browser moves it: nobody types there.
    var dialog = element.closest("dialog");
    if (dialog && !dialog.open) return false;
    if (element.isContentEditable) return true;
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return ["checkbox", "radio", "button", "submit", "reset", "file", "range", "color", "image"].indexOf(element.type) === -1;
  }

  var letterShortcuts = {
    j: function () { if (here() === "list") moveInList(1); else if (here() === "conversation") moveFromConversation(1); else return false; },
    k: function () { if (here() === "list") moveInList(-1); else if (here() === "conversation") moveFromConversation(-1); else return false; },
    o: function () { return openCurrentRow(); },
    r: function () { return compose("reply"); },
    n: function () { return compose("note"); },
    a: function () { return clickAction('[data-action="assign-to-me"]'); },
    e: function () { return clickAction('[data-action="resolve"]'); },
    s: function () { focusSearch(); },
    "/": function () { focusSearch(); },
    "?": function () { openHelp(); },
    g: function () {
      waitingForSecondKey = "g";
      window.setTimeout(function () { waitingForSecondKey = null; }, 1500);
    },
  };

  var afterG = {
    i: function () { window.location.assign(config.dataset.inboxUrl); },
  };

  function onKey(event) {
    // Never take a key from an input method that is composing (Chinese, Japanese, Korean input).
    if (event.isComposing || event.keyCode === 229) return;
    if (event.defaultPrevented) return;
    var commandKey = event.ctrlKey || event.metaKey;
    var target = event.target;

    if (commandKey && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "k") {
      if (foreignDialogOpen()) return; // another part of the page is asking something first
      event.preventDefault();
      if (palette.open) closeDialog(palette);
      else openPalette();
      return;
    }
    if (commandKey && !event.altKey && event.key === "Enter" && target && target.id === "composer-text") {
      var form = target.form;
      if (form && form.requestSubmit) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (document.querySelector("dialog[open]")) return; // the open dialog has the keyboard
    if (event.key === "Escape") {
      if (isTyping(target)) target.blur();
      else backToList();
      return;
    }
    if (isTyping(target) || commandKey || event.altKey) return;

    if (waitingForSecondKey === "g") {
      waitingForSecondKey = null;
      var second = afterG[event.key];
      if (second) {
        event.preventDefault();
        second();
      }
      return;
    }
    if (event.key === "Enter") {
      // A focused link or button opens natively; Enter on the list's marked row opens it.
      if (here() === "list" && (!target || !target.closest("a, button, summary")) && openCurrentRow()) event.preventDefault();
      return;
    }
    var shortcut = Object.prototype.hasOwnProperty.call(letterShortcuts, event.key) ? letterShortcuts[event.key] : null;
    if (!shortcut) return;
    if (shortcut() !== false) event.preventDefault();
  }

  function init() {
    config = document.getElementById("shortcuts");
    palette = document.getElementById("command-palette");
    help = document.getElementById("shortcut-help");
    if (!config || !palette || !help) return; // signed out: no shortcuts
    announcer = document.getElementById("shortcut-announcer");
    paletteInput = document.getElementById("palette-input");
    paletteOptions = document.getElementById("palette-options");
    paletteResults = paletteOptions.querySelector('[data-group="results"]');
    paletteStatus = palette.querySelector(".palette-status");

    // On window, so handlers of the page (the composer, pickers) see each key first and may claim it.
    window.addEventListener("keydown", onKey);
    paletteInput.addEventListener("input", function (event) { if (!event.isComposing) updatePalette(); });
    paletteInput.addEventListener("compositionend", updatePalette);
    paletteInput.addEventListener("keydown", onPaletteKey);
    paletteOptions.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) choose(option);
    });
    paletteOptions.addEventListener("mousemove", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option && option !== activeOption()) setActive(option);
    });
    [palette, help].forEach(function (dialog) {
      dialog.addEventListener("keydown", trapFocus);
      dialog.addEventListener("close", onDialogClosed);
      // A click on the backdrop (outside the dialog's box) closes it.
      dialog.addEventListener("click", function (event) {
        if (event.target === dialog) closeDialog(dialog);
      });
      dialog.querySelectorAll("[data-close]").forEach(function (button) {
        button.addEventListener("click", function () { closeDialog(dialog); });
      });
    });

    rememberList();
    restoreCurrentRow(false);
    // The list is refreshed live (htmx swaps): remember the new rows, keep the marked one.
    document.body.addEventListener("htmx:afterSettle", function () {
      if (!listContainer()) return;
      rememberList();
      restoreCurrentRow(true);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
