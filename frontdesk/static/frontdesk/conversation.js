// The conversation page's composer: channel rules, the / (canned responses) and @ (mentions) picker,
// chosen files, emoji, Ctrl/Cmd+Enter, and the "assigned to someone else" question.
(function () {
  "use strict";

  var form, text, picker, mentions;
  var lastSubmitter = null;
  var pickerState = null; // {mode: "canned"|"mention", start: index of / or @, items: [], active: index}
  var fetchTimer = null;
  var fetchSerial = 0;

  function kind() {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "reply";
  }

  // Channel rules: only the chosen channel's panel is shown, and only its fields are sent.
  function showChannelRules() {
    var select = form.querySelector("#composer-channel");
    if (!select) return;
    form.querySelectorAll("[data-channel-rules]").forEach(function (panel) {
      var chosen = panel.dataset.channelRules === select.value;
      panel.hidden = !chosen;
      panel.querySelectorAll("select, textarea, input").forEach(function (field) { field.disabled = !chosen; });
    });
  }

  // The picker (a listbox under the textarea, driven from the textarea like a combobox).
  function closePicker() {
    pickerState = null;
    picker.hidden = true;
    picker.replaceChildren();
    text.removeAttribute("aria-activedescendant");
  }

  function renderPicker() {
    picker.replaceChildren();
    if (!pickerState || pickerState.items.length === 0) {
      closePicker();
      return;
    }
    pickerState.items.forEach(function (item, index) {
      var option = document.createElement("li");
      option.id = "composer-option-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", index === pickerState.active ? "true" : "false");
      option.className = "picker-option" + (index === pickerState.active ? " active" : "");
      var title = document.createElement("span");
      title.className = "picker-title";
      var detail = document.createElement("span");
      detail.className = "picker-detail";
      if (pickerState.mode === "mention") {
        title.textContent = "@" + item.name;
        detail.textContent = item.email;
      } else {
        title.textContent = "/" + item.shortcut + (item.title ? " · " + item.title : "");
        detail.textContent = item.text.length > 90 ? item.text.slice(0, 90) + "…" : item.text;
      }
      option.append(title, detail);
      // mousedown, not click: the textarea keeps focus.
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        choose(index);
      });
      picker.appendChild(option);
    });
    picker.hidden = false;
    text.setAttribute("aria-activedescendant", "composer-option-" + pickerState.active);
    var active = picker.querySelector(".active");
    if (active && active.scrollIntoView) active.scrollIntoView({ block: "nearest" });
  }

  // What the text before the caret asks for: "/query" at the very start, or "@query" in a note.
  function trigger() {
    var caret = text.selectionStart;
    var before = text.value.slice(0, caret);
    if (form.dataset.cannedUrl && /^\/[^\n]*$/.test(before)) {
      return { mode: "canned", start: 0, query: before.slice(1) };
    }
    if (kind() === "note") {
      var match = /(^|\s)@([^\s@][^\n@]{0,30}|)$/.exec(before);
      if (match) return { mode: "mention", start: caret - match[2].length - 1, query: match[2] };
    }
    return null;
  }

  function lookUp() {
    var wanted = trigger();
    if (!wanted) {
      closePicker();
      return;
    }
    var url;
    if (wanted.mode === "canned") {
      url = form.dataset.cannedUrl + "?q=" + encodeURIComponent(wanted.query) +
        "&conversation=" + encodeURIComponent(form.dataset.conversationId);
    } else {
      url = form.dataset.membersUrl + "?q=" + encodeURIComponent(wanted.query);
    }
    var serial = ++fetchSerial;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (body) {
        if (serial !== fetchSerial) return; // a newer keystroke asked again
        var items = (body && body.results) || [];
        // A name with spaces keeps matching while typed; a query nothing matches closes the list.
        pickerState = { mode: wanted.mode, start: wanted.start, items: items, active: 0 };
        renderPicker();
      })
      .catch(closePicker);
  }

  function choose(index) {
    if (!pickerState) return;
    var item = pickerState.items[index];
    var caret = text.selectionStart;
    var inserted;
    if (pickerState.mode === "canned") {
      inserted = item.text;
      text.value = inserted + text.value.slice(caret);
      caret = inserted.length;
    } else {
      inserted = "@" + item.name + " ";
      text.value = text.value.slice(0, pickerState.start) + inserted + text.value.slice(caret);
      caret = pickerState.start + inserted.length;
      if (!mentions.querySelector('input[value="' + item.id + '"]')) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "mentions";
        input.value = item.id;
        input.dataset.name = item.name;
        mentions.appendChild(input);
      }
    }
    closePicker();
    text.focus();
    text.setSelectionRange(caret, caret);
  }

  // A mention whose @name was deleted from the note is not sent.
  function pruneMentions() {
    mentions.querySelectorAll("input").forEach(function (input) {
      if (text.value.indexOf("@" + input.dataset.name) === -1) input.remove();
    });
  }

  function onTextKey(event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      closePicker();
      // A click, so htmx records which button sent the form.
      form.querySelector("[data-action=send]").click();
      return;
    }
    if (!pickerState) return;
    var count = pickerState.items.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      pickerState.active = (pickerState.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
      renderPicker();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(pickerState.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      closePicker();
    }
  }

  // Chosen files, each removable before sending.
  function showFiles() {
    var input = form.querySelector("#composer-files");
    var list = form.querySelector("#composer-file-list");
    list.replaceChildren();
    Array.prototype.forEach.call(input.files, function (file, index) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link remove-file";
      remove.textContent = "✕";
      remove.setAttribute("aria-label", list.dataset.removeLabel + " " + file.name);
      remove.addEventListener("click", function () {
        var kept = new DataTransfer();
        Array.prototype.forEach.call(input.files, function (other, otherIndex) {
          if (otherIndex !== index) kept.items.add(other);
        });
        input.files = kept.files;
        showFiles();
        input.focus();
      });
      item.append(name, " ", remove);
      list.appendChild(item);
    });
    list.hidden = input.files.length === 0;
  }

  function insertAtCaret(value) {
    var start = text.selectionStart;
    var end = text.selectionEnd;
    text.value = text.value.slice(0, start) + value + text.value.slice(end);
    text.focus();
    text.setSelectionRange(start + value.length, start + value.length);
  }

  function toggleEmoji(open) {
    var button = form.querySelector("#emoji-button");
    var panel = form.querySelector("#emoji-panel");
    panel.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) panel.querySelector("button").focus();
  }

  function onEmojiKey(event) {
    var choices = Array.prototype.slice.call(form.querySelectorAll(".emoji-choice"));
    var index = choices.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      toggleEmoji(false);
      form.querySelector("#emoji-button").focus();
    } else if (index !== -1 && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      event.preventDefault();
      var step = event.key === "ArrowRight" ? 1 : choices.length - 1;
      choices[(index + step) % choices.length].focus();
    }
  }

  // The server asked first: the conversation is assigned to someone else.
  function askTakeover(question) {
    var dialog = form.querySelector("#takeover-dialog");
    dialog.querySelector("#takeover-question").textContent = question;
    form.querySelector("#composer-error").textContent = "";
    if (!dialog.open) dialog.showModal();
    dialog.querySelector("[data-takeover=assign]").focus();
  }

  function answerTakeover(choice) {
    var dialog = form.querySelector("#takeover-dialog");
    dialog.close();
    if (choice === "cancel") {
      text.focus();
      return;
    }
    form.querySelector("#composer-takeover").value = choice;
    (lastSubmitter || form.querySelector("[data-action=send]")).click();
  }

  function setUp() {
    form = document.getElementById("composer");
    if (!form) return;
    text = form.querySelector("#composer-text");
    picker = form.querySelector("#composer-picker");
    mentions = form.querySelector("#composer-mentions");

    form.addEventListener("change", function (event) {
      if (event.target.name === "kind") {
        form.dataset.kind = kind();
        closePicker();
        if (kind() === "note") {
          // Notes carry no files; none are kept hidden to be dropped later.
          form.querySelector("#composer-files").value = "";
          showFiles();
        }
      } else if (event.target.id === "composer-channel") {
        showChannelRules();
      } else if (event.target.id === "composer-files") {
        showFiles();
      }
    });
    text.addEventListener("input", function () {
      pruneMentions();
      window.clearTimeout(fetchTimer);
      fetchTimer = window.setTimeout(lookUp, 120);
    });
    text.addEventListener("keydown", onTextKey);
    text.addEventListener("blur", function () { window.setTimeout(closePicker, 150); });

    form.querySelector("#emoji-button").addEventListener("click", function () {
      toggleEmoji(form.querySelector("#emoji-panel").hidden);
    });
    form.querySelector("#emoji-panel").addEventListener("keydown", onEmojiKey);
    document.addEventListener("click", function (event) {
      if (!event.target.closest(".emoji")) toggleEmoji(false);
    });
    form.querySelectorAll(".emoji-choice").forEach(function (choice) {
      choice.addEventListener("click", function () {
        toggleEmoji(false);
        insertAtCaret(choice.dataset.emoji);
      });
    });

    form.addEventListener("submit", function (event) { lastSubmitter = event.submitter || null; }, true);
    form.querySelectorAll("[data-takeover]").forEach(function (button) {
      button.addEventListener("click", function () { answerTakeover(button.dataset.takeover); });
    });
    form.addEventListener("frontdesk-takeover", function (event) { askTakeover(event.detail.question); });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form) return;
      form.querySelector("#composer-takeover").value = "";
      if (event.detail.successful && !event.detail.xhr.getResponseHeader("HX-Retarget")) {
        // live.js resets the fields (back to a reply); the agent stays on the channel they chose.
        var channel = form.querySelector("#composer-channel");
        var keptChannel = channel ? channel.value : null;
        form.querySelector("#composer-error").textContent = "";
        mentions.replaceChildren();
        window.setTimeout(function () {
          if (channel) channel.value = keptChannel;
          showFiles();
          showChannelRules();
          form.dataset.kind = kind();
        }, 0);
      }
    });
    showChannelRules();
    form.dataset.kind = kind();
  }

  // The header is replaced after each change (and on live updates): keep the keyboard where it was.
  var headerFocus = null;
  var FOCUS_AFTER = { "assign-to-me": "assign", resolve: "reopen", reopen: "resolve" };
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    headerFocus = null;
    if (target && target.id === "conversation-heading" && target.contains(document.activeElement)) {
      headerFocus = document.activeElement.dataset.action || null;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!headerFocus) return;
    var heading = document.getElementById("conversation-heading");
    var wanted = heading && (heading.querySelector('[data-action="' + headerFocus + '"]') ||
      heading.querySelector('[data-action="' + FOCUS_AFTER[headerFocus] + '"]'));
    headerFocus = null;
    if (wanted) wanted.focus();
  });

  document.addEventListener("DOMContentLoaded", setUp);
})();
