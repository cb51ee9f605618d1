/* Frontdesk web-chat widget: one file, no dependencies, ES2017 (docs/widget.md).
 * Served by /widget/<channel token>.js with its settings and strings in place of the placeholder below.
 * Everything it shows lives in a Shadow DOM, so the host page's CSS cannot reach it, and every text
 * from the network is set with textContent, never parsed as HTML. */
(function (config) {
  "use strict";
  if (window.__frontdeskWidgetLoaded) return;
  window.__frontdeskWidgetLoaded = true;

  var STORE_KEY = "frontdesk.visitor." + config.channel;
  var state = {
    identify: null,
    context: {},
    locale: "",
    token: readStore(),
    socket: null,
    delay: 1000,
    pending: {},
    acked: {},
    shown: {},
    online: true,
    welcomed: false,
    stopped: false,
    wrote: false,
    lastTyping: 0
  };
  var ui = null;

  function readStore() {
    try { return window.localStorage.getItem(STORE_KEY); } catch (error) { return null; }
  }

  function writeStore(value) {
    try { window.localStorage.setItem(STORE_KEY, value); } catch (error) { /* private mode: this visit only */ }
  }

  // zh-HK / zh-TW / zh-MO / zh-Hant → Traditional; zh-CN / zh-SG / zh-Hans → Simplified; else English.
  function pickLocale(tag) {
    tag = String(tag || "").toLowerCase().replace(/_/g, "-");
    if (/^zh-(hant|hk|tw|mo)\b/.test(tag)) return "zh-hant";
    if (/^zh-(hans|cn|sg)\b/.test(tag)) return "zh-hans";
    return "en";
  }

  function locale() {
    return state.locale || pickLocale(document.documentElement.getAttribute("lang"));
  }

  function t(key) {
    var strings = config.strings[locale()] || config.strings.en;
    return strings[key] || config.strings.en[key] || key;
  }

  function newId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function pageContext() {
    var context = { page_url: window.location.href, page_title: document.title };
    Object.keys(state.context).forEach(function (key) { context[key] = state.context[key]; });
    return context;
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") node.textContent = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  var STYLE = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'PingFang TC','Microsoft JhengHei',sans-serif;font-size:14px}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;",
    "padding:14px 20px;background:#1f6feb;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".panel{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:360px;max-width:calc(100vw - 40px);",
    "height:520px;max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;color:#1b1f24;",
    "border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}",
    ".panel[hidden],[hidden]{display:none!important}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:12px 14px;background:#1f6feb;color:#fff}",
    "header h2{margin:0;font-size:16px;color:#fff}",
    "header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}",
    ".notice{margin:0;padding:8px 14px;background:#fff4ce;color:#5c4400}",
    ".log{flex:1;overflow-y:auto;margin:0;padding:12px;list-style:none;background:#f6f8fa}",
    ".log li{margin:6px 0;display:flex}",
    ".log li.customer{justify-content:flex-end}",
    ".bubble{max-width:80%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}",
    ".customer .bubble{background:#1f6feb;color:#fff}",
    ".agent .bubble{background:#fff;border:1px solid #d0d7de}",
    ".sending .bubble{opacity:.6}.failed .bubble{background:#cf222e}",
    ".bubble a{color:inherit;display:block;margin-top:4px}",
    ".typing{margin:0;padding:4px 14px;color:#57606a;font-style:italic}",
    ".suggestions{padding:6px 14px;border-top:1px solid #d0d7de}",
    ".suggestions p{margin:0 0 4px}.suggestions a{display:block;color:#0969da;margin:2px 0}",
    "form{padding:10px 12px;border-top:1px solid #d0d7de;display:flex;flex-direction:column;gap:6px}",
    "input,textarea{width:100%;padding:8px;border:1px solid #d0d7de;border-radius:6px;color:#1b1f24;background:#fff}",
    "textarea{resize:none;height:60px}",
    ".row{display:flex;gap:6px;align-items:center}.actions{padding:6px 12px 0;border-top:1px solid #d0d7de}",
    ".row button,form button{padding:8px 12px;border:0;border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer}",
    "button.plain{background:#eaeef2;color:#1b1f24}",
    ".status{margin:0;padding:0 14px 6px;color:#cf222e;min-height:0}",
    "label{display:flex;flex-direction:column;gap:2px}",
    ".spacer{flex:1}"
  ].join("");

  // A constructed style sheet is not inline style, so a host page whose Content-Security-Policy
  // forbids 'unsafe-inline' styles still shows the widget; older browsers get a <style> element.
  function addStyle(root) {
    if ("adoptedStyleSheets" in root && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", { text: STYLE }));
    }
  }

  function build() {
    var host = el("div", { id: "frontdesk-widget" });
    var root = host.attachShadow({ mode: "open" });
    addStyle(root);
    var u = {};
    u.launcher = el("button", { class: "launcher", type: "button", "data-testid": "fd-launcher" });
    u.title = el("h2", { id: "fd-title" });
    u.close = el("button", { type: "button", text: "×" });
    u.notice = el("p", { class: "notice", role: "status", "data-testid": "fd-notice", hidden: "" });
    u.log = el("ol", { class: "log", "aria-live": "polite", "data-testid": "fd-log" });
    u.typing = el("p", { class: "typing", "data-testid": "fd-typing", hidden: "" });
    u.suggestions = el("div", { class: "suggestions", "data-testid": "fd-suggestions", hidden: "" });
    u.status = el("p", { class: "status", role: "alert", "data-testid": "fd-status" });

    u.text = el("textarea", { "data-testid": "fd-text", maxlength: String(config.maxText) });
    u.file = el("input", { type: "file", hidden: "", "data-testid": "fd-file" });
    u.attach = el("button", { type: "button", class: "plain", "data-testid": "fd-attach" });
    u.callToggle = el("button", { type: "button", class: "plain", "data-testid": "fd-call-toggle" });
    u.send = el("button", { type: "submit", "data-testid": "fd-send" });
    u.composer = el("form", { "data-testid": "fd-composer" }, [
      u.text, u.file, el("div", { class: "row" }, [u.attach, el("span", { class: "spacer" }), u.send])
    ]);

    u.offlineTitle = el("strong");
    u.offlineIntro = el("span");
    u.offlineEmail = el("input", { type: "email", required: "", "data-testid": "fd-offline-email" });
    u.offlineName = el("input", { type: "text", "data-testid": "fd-offline-name" });
    u.offlineText = el("textarea", { required: "", "data-testid": "fd-offline-text" });
    u.offlineSend = el("button", { type: "submit", "data-testid": "fd-offline-send" });
    u.offlineLabels = [el("span"), el("span"), el("span")];
    u.offline = el("form", { "data-testid": "fd-offline", hidden: "" }, [
      u.offlineTitle, u.offlineIntro,
      el("label", {}, [u.offlineLabels[0], u.offlineEmail]),
      el("label", {}, [u.offlineLabels[1], u.offlineName]),
      el("label", {}, [u.offlineLabels[2], u.offlineText]),
      u.offlineSend
    ]);

    u.phone = el("input", { type: "tel", required: "", autocomplete: "tel", "data-testid": "fd-phone" });
    u.phoneLabel = el("span");
    u.callSend = el("button", { type: "submit", "data-testid": "fd-call-send" });
    u.call = el("form", { "data-testid": "fd-call", hidden: "" }, [el("label", {}, [u.phoneLabel, u.phone]), u.callSend]);

    u.panel = el("div", { class: "panel", role: "dialog", hidden: "", "data-testid": "fd-panel", "aria-labelledby": "fd-title" }, [
      el("header", {}, [u.title, u.close]), u.notice, u.log, u.typing, u.suggestions, u.status,
      el("div", { class: "row actions" }, [u.callToggle]), u.call, u.offline, u.composer
    ]);
    root.appendChild(u.panel);
    root.appendChild(u.launcher);
    document.body.appendChild(host);

    u.launcher.addEventListener("click", function () { setOpen(u.panel.hidden); });
    u.close.addEventListener("click", function () { setOpen(false); });
    u.attach.addEventListener("click", function () { u.file.click(); });
    u.file.addEventListener("change", function () {
      if (u.file.files.length) upload(u.file.files[0]);
      u.file.value = "";
    });
    u.callToggle.addEventListener("click", function () { u.call.hidden = !u.call.hidden; });
    u.composer.addEventListener("submit", function (event) {
      event.preventDefault();
      sendText();
    });
    u.text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendText();
      }
    });
    u.text.addEventListener("input", onTyping);
    u.offline.addEventListener("submit", function (event) {
      event.preventDefault();
      sendOffline();
    });
    u.call.addEventListener("submit", function (event) {
      event.preventDefault();
      requestCall();
    });
    return u;
  }

  function label() {
    ui.launcher.textContent = t("title");
    ui.launcher.setAttribute("aria-label", t("open"));
    ui.title.textContent = t("title");
    ui.close.setAttribute("aria-label", t("close"));
    ui.text.setAttribute("placeholder", t("placeholder"));
    ui.text.setAttribute("aria-label", t("message"));
    ui.send.textContent = t("send");
    ui.attach.textContent = "+";
    ui.attach.setAttribute("aria-label", t("attach"));
    ui.attach.setAttribute("title", t("attach"));
    ui.callToggle.textContent = t("callMe");
    ui.typing.textContent = t("agentTyping");
    ui.offlineTitle.textContent = t("offlineTitle");
    ui.offlineIntro.textContent = t("offlineIntro");
    ui.offlineLabels[0].textContent = t("email");
    ui.offlineLabels[1].textContent = t("name");
    ui.offlineLabels[2].textContent = t("message");
    ui.offlineSend.textContent = t("offlineSend");
    ui.phoneLabel.textContent = t("phone");
    ui.callSend.textContent = t("callRequest");
  }

  function setOpen(open) {
    ui.panel.hidden = !open;
    // A first-time visitor's socket opens with the panel: a page view alone costs the site nothing.
    if (open && !state.socket) connect();
    if (open) {
      ui.log.scrollTop = ui.log.scrollHeight;
      (ui.offline.hidden ? ui.text : ui.offlineEmail).focus();
    }
  }

  function showNotice(text) {
    ui.notice.textContent = text;
    ui.notice.hidden = !text;
  }

  function addMessage(message, extraClass) {
    var key = (message.from === "customer" ? "c:" : "a:") + message.id;
    if (state.shown[key]) return state.shown[key];
    var bubble = el("div", { class: "bubble" });
    if (message.text) bubble.appendChild(document.createTextNode(message.text));
    (message.attachments || []).forEach(function (file) {
      var link = el("a", { target: "_blank", rel: "noopener noreferrer", text: "📎 " + file.name });
      if (/^https?:\/\//.test(file.url || "")) link.setAttribute("href", file.url);
      bubble.appendChild(link);
    });
    var item = el("li", { class: message.from + (extraClass ? " " + extraClass : ""), "data-id": String(message.id) }, [bubble]);
    if (message.from === "agent" && message.author) item.setAttribute("title", message.author);
    ui.log.appendChild(item);
    ui.log.scrollTop = ui.log.scrollHeight;
    state.shown[key] = item;
    if (message.from === "customer") state.wrote = true;
    return item;
  }

  function connect() {
    if (state.stopped) return;
    var socket = new WebSocket(config.socket);
    state.socket = socket;
    socket.addEventListener("open", function () {
      state.delay = 1000;
      socket.send(JSON.stringify({ type: "hello", visitor: state.token, identify: state.identify, context: pageContext() }));
    });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      receive(data);
    });
    socket.addEventListener("close", function (event) {
      if (state.socket !== socket) return;
      state.welcomed = false;
      if (event.code === 4404 || event.code === 4403) {
        // The chat is disabled here or not allowed on this site: stay out of the way.
        state.stopped = true;
        ui.launcher.hidden = true;
        ui.panel.hidden = true;
        return;
      }
      showNotice(t("reconnecting"));
      var wait = state.delay * (0.75 + Math.random() / 2);
      state.delay = Math.min(state.delay * 2, 30000);
      window.setTimeout(connect, wait);
    });
  }

  function send(data) {
    if (state.socket && state.welcomed && state.socket.readyState === 1) {
      state.socket.send(JSON.stringify(data));
      return true;
    }
    return false;
  }

  function receive(data) {
    if (data.type === "welcome") {
      state.welcomed = true;
      state.token = data.visitor;
      writeStore(data.visitor);
      state.online = data.online;
      showNotice(data.identity_error ? t("identityRefused") : "");
      ui.notice.setAttribute("data-identity", data.identified ? "verified" : data.identity_error ? "refused" : "guest");
      while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
      state.shown = {};
      state.wrote = false;
      if (data.greeting) addMessage({ id: "greeting", from: "agent", text: data.greeting });
      (data.history || []).forEach(function (message) { addMessage(message); });
      // Acknowledged but not yet in the history (the server is still filing it): keep showing it.
      Object.keys(state.acked).forEach(function (id) { addMessage(state.acked[id]); });
      Object.keys(state.pending).forEach(function (id) {
        addMessage(state.pending[id].shown, "sending");
        send(state.pending[id].frame);
      });
      var offline = !state.online && !state.wrote;
      ui.offline.hidden = !offline;
      ui.composer.hidden = offline;
      ui.panel.setAttribute("data-online", String(state.online));
    } else if (data.type === "ack") {
      var sent = state.pending[data.id];
      delete state.pending[data.id];
      if (sent) state.acked[data.id] = sent.shown;
      var item = state.shown["c:" + data.id];
      if (item) item.classList.remove("sending");
      if (sent && sent.frame.type === "offline") {
        ui.offline.hidden = true;
        ui.composer.hidden = false;
        addMessage({ id: "thanks", from: "agent", text: t("offlineThanks") });
      }
    } else if (data.type === "error") {
      ui.status.textContent = data.code === "rate_limited" ? t("tooMany") : data.code === "email" ? t("emailInvalid") : t("failed");
      if (data.id && state.pending[data.id]) {
        delete state.pending[data.id];
        var failed = state.shown["c:" + data.id];
        if (failed) failed.className = "customer failed";
      }
    } else if (data.type === "message") {
      ui.typing.hidden = true;
      addMessage(data);
      send({ type: "received", id: data.id });
      if (ui.panel.hidden) setOpen(true);
    } else if (data.type === "typing") {
      ui.typing.hidden = !data.typing;
      window.clearTimeout(state.typingTimer);
      state.typingTimer = window.setTimeout(function () { ui.typing.hidden = true; }, 5000);
    }
  }

  function queue(frame, shown) {
    state.pending[frame.id] = { frame: frame, shown: shown };
    addMessage(shown, "sending");
    ui.status.textContent = "";
    send(frame);
  }

  function sendText() {
    var text = ui.text.value.trim();
    if (!text) return;
    ui.text.value = "";
    ui.suggestions.hidden = true;
    stopTyping();
    var id = newId();
    queue({ type: "message", id: id, text: text }, { id: id, from: "customer", text: text });
  }

  function sendOffline() {
    var email = ui.offlineEmail.value.trim();
    var text = ui.offlineText.value.trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      ui.status.textContent = t("emailInvalid");
      return;
    }
    if (!text) return;
    var id = newId();
    queue(
      { type: "offline", id: id, text: text, email: email, name: ui.offlineName.value.trim() },
      { id: id, from: "customer", text: text }
    );
  }

  function onTyping() {
    var now = Date.now();
    if (now - state.lastTyping > 2000) {
      state.lastTyping = now;
      send({ type: "typing", typing: true });
    }
    window.clearTimeout(state.stopTimer);
    state.stopTimer = window.setTimeout(stopTyping, 4000);
    if (!state.wrote) suggest(ui.text.value.trim());
  }

  function stopTyping() {
    window.clearTimeout(state.stopTimer);
    if (state.lastTyping) send({ type: "typing", typing: false });
    state.lastTyping = 0;
  }

  function suggest(query) {
    window.clearTimeout(state.suggestTimer);
    if (query.length < 3) {
      ui.suggestions.hidden = true;
      return;
    }
    state.suggestTimer = window.setTimeout(function () {
      var url = config.base + "/suggestions?q=" + encodeURIComponent(query) + "&lang=" + locale();
      window.fetch(url).then(function (response) { return response.json(); }).then(function (data) {
        while (ui.suggestions.firstChild) ui.suggestions.removeChild(ui.suggestions.firstChild);
        var results = (data.results || []).filter(function (item) { return /^https?:\/\//.test(item.url); });
        if (!results.length || state.wrote) {
          ui.suggestions.hidden = true;
          return;
        }
        ui.suggestions.appendChild(el("p", { text: t("suggestions") }));
        results.forEach(function (item) {
          ui.suggestions.appendChild(el("a", { href: item.url, target: "_blank", rel: "noopener noreferrer", text: item.title }));
        });
        ui.suggestions.hidden = false;
      }).catch(function () { ui.suggestions.hidden = true; });
    }, 400);
  }

  function form(fields) {
    var body = new FormData();
    body.append("visitor", state.token || "");
    body.append("context", JSON.stringify(pageContext()));
    body.append("lang", locale());
    var identity = state.identify || {};
    ["user_id", "user_hash", "name", "email"].forEach(function (name) {
      if (identity[name]) body.append(name, String(identity[name]));
    });
    Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    return body;
  }

  function post(path, body) {
    return window.fetch(config.base + path, { method: "POST", body: body }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw data;
        return data;
      });
    });
  }

  function upload(file) {
    if (file.size > config.maxUpload) {
      ui.status.textContent = t("tooLarge");
      return;
    }
    var id = newId();
    var item = addMessage({ id: id, from: "customer", text: "", attachments: [{ name: file.name }] }, "sending");
    post("/upload", form({ id: id, file: file })).then(function () {
      item.classList.remove("sending");
    }).catch(function (error) {
      item.className = "customer failed";
      ui.status.textContent = error && error.code === "too_large" ? t("tooLarge") : t("failed");
    });
  }

  function requestCall() {
    var phone = ui.phone.value.trim();
    if (!phone) return;
    post("/callback", form({ phone: phone })).then(function () {
      ui.call.hidden = true;
      ui.status.textContent = "";
      addMessage({ id: "call-" + newId(), from: "agent", text: t("callThanks") });
    }).catch(function (error) {
      ui.status.textContent = (error && error.code === "phone" && error.detail) || t("failed");
    });
  }

  function command(name, options) {
    if (name === "identify") {
      state.identify = options && typeof options === "object" ? options : null;
      if (state.welcomed) state.socket.send(JSON.stringify({ type: "hello", visitor: state.token, identify: state.identify, context: pageContext() }));
    } else if (name === "context") {
      if (options && typeof options === "object") Object.keys(options).forEach(function (key) { state.context[key] = options[key]; });
      send({ type: "context", context: pageContext() });
    } else if (name === "locale") {
      state.locale = pickLocale(options);
      if (ui) label();
    } else if (name === "open" || name === "close") {
      if (ui) setOpen(name === "open");
      else state.openAtStart = name === "open";
    }
  }

  var queued = (window.Frontdesk && window.Frontdesk.q) || [];
  window.Frontdesk = function () { command(arguments[0], arguments[1]); };
  queued.forEach(function (args) { command(args[0], args[1]); });

  function start() {
    ui = build();
    label();
    // A returning visitor listens for replies at once; a new one connects when they open the chat.
    if (state.token) connect();
    if (state.openAtStart) setOpen(true);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(__FRONTDESK_WIDGET_CONFIG__);
