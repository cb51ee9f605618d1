// Copy buttons: <button data-copy="input-id" data-copied-label="Copied">, for values an admin pastes elsewhere.
(function () {
  "use strict";

  var status = null;

  function announce(text) {
    if (!status) {
      status = document.createElement("span");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = text;
  }

  function showCopied(button) {
    var label = button.textContent;
    var copiedLabel = button.dataset.copiedLabel || label;
    button.textContent = copiedLabel;
    button.classList.add("copied");
    announce(copiedLabel);
    window.setTimeout(function () {
      button.textContent = label;
      button.classList.remove("copied");
      announce("");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.dataset.copy);
    if (!input) return;
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { showCopied(button); });
    } else if (document.execCommand("copy")) {
      // Without a secure context there is no Clipboard API; the selected text can still be copied.
      showCopied(button);
    }
  });
})();
