// The agent's side of web-chat typing: shows "the customer is typing" on the conversation page,
// and tells the customer's widget while the agent types a reply.
(function () {
  "use strict";
  var indicator = document.getElementById("widget-typing");
  if (!indicator) return;
  var conversationId = indicator.dataset.conversationId;
  var hideTimer = null;

  document.addEventListener("frontdesk:event", function (event) {
    var detail = event.detail || {};
    if (detail.type !== "widget.typing" || String(detail.conversation_id) !== conversationId) return;
    window.clearTimeout(hideTimer);
    indicator.hidden = !detail.typing;
    if (detail.typing) hideTimer = window.setTimeout(function () { indicator.hidden = true; }, 6000);
  });
  // A new customer message ends their typing.
  document.addEventListener("frontdesk:event", function (event) {
    var detail = event.detail || {};
    if (detail.type === "message.created" && String(detail.conversation_id) === conversationId) indicator.hidden = true;
  });

  var lastSent = 0;
  document.addEventListener("input", function (event) {
    var composer = document.getElementById("composer");
    if (!composer || event.target.id !== "composer-text") return;
    var kind = composer.querySelector("input[name=kind]:checked");
    if (kind && kind.value !== "reply") return; // private notes are never announced
    var now = Date.now();
    if (now - lastSent < 3000) return;
    lastSent = now;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", composer.querySelector("input[name=csrfmiddlewaretoken]").value);
    window.fetch(indicator.dataset.typingUrl, { method: "POST", body: body, credentials: "same-origin" })
      .catch(function () { /* typing is a courtesy: a lost one is not worth reporting */ });
  });
})();
