/* Concierge chat widget. One tag adds it to any page:
 *   <script src="https://your-concierge/widget.js" defer></script>
 * Optional attributes: data-api (API base URL; default: where this script came from),
 * data-title (panel heading), data-currency (ISO code for prices; default USD),
 * data-visitor (a visitor pass from POST /api/visitors: keeps one shopper's chats together).
 * No dependencies, no build step; server text is only ever set with textContent.
 * The conversation's secret is kept beside its id and sent as a header, never in a URL. */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.Concierge) return;

  const scriptUrl = new URL(script.src, location.href);
  const API = (script.dataset.api || scriptUrl.origin).replace(/\/+$/, "");
  const TITLE = script.dataset.title || "Chat with us";
  const VISITOR = script.dataset.visitor || "";
  const KEY = "concierge.conversation:" + API;
  const OPEN_KEY = "concierge.open";
  const MAX_BACKOFF_MS = 30000;
  const money = new Intl.NumberFormat(undefined, {
    style: "currency", currency: script.dataset.currency || "USD",
  });

  let conversationId = null;
  let secret = null; // the conversation's key: sent as X-Conversation-Secret on every call
  try { ({ id: conversationId, secret } = JSON.parse(remember(KEY)) || {}); } catch (err) { /* none */ }
  const shownIds = new Set(); // messages on screen, by id: each is shown once
  let busy = false;
  let ready = null; // the first load (history or greeting), started when the panel first opens

  // ---- DOM (static markup only; everything from the server goes through textContent) ----
  const host = document.createElement("div");
  host.id = "concierge-widget";
  host.style.display = "none"; // until the stylesheet is in, so nothing flashes unstyled
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `
    <link rel="stylesheet">
    <button class="launcher" type="button" aria-expanded="false" aria-controls="cw-panel">
      <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>
      <span>Chat</span>
    </button>
    <section class="panel" id="cw-panel" role="dialog" aria-labelledby="cw-title" hidden>
      <header>
        <div class="who"><h2 id="cw-title"></h2><p>Usually replies in seconds</p></div>
        <button class="close" type="button" aria-label="Close chat">
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>
        </button>
      </header>
      <div class="banner" role="status" hidden>A teammate will reply here</div>
      <div class="log" role="log" aria-live="polite" aria-label="Conversation"></div>
      <div class="notice" role="status" hidden></div>
      <form class="composer">
        <label class="sr" for="cw-input">Message</label>
        <textarea id="cw-input" rows="1" maxlength="4000" placeholder="Ask about gear, sizes or an order"></textarea>
        <button class="send" type="submit" aria-label="Send message">
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>
        </button>
      </form>
      <footer>
        <button class="human" type="button">Talk to a person</button>
        <button class="human link-phone" type="button">Continue from WhatsApp</button>
      </footer>
    </section>`;
  const $ = (selector) => root.querySelector(selector);
  const launcher = $(".launcher");
  const panel = $(".panel");
  const log = $(".log");
  const input = $("textarea");
  const banner = $(".banner");
  const noticeEl = $(".notice");
  $("#cw-title").textContent = TITLE;
  launcher.setAttribute("aria-label", "Open chat: " + TITLE);
  const sheet = $("link");
  sheet.onload = sheet.onerror = () => { host.style.display = ""; };
  sheet.href = new URL("widget.css", scriptUrl).href;
  document.body.appendChild(host);

  function h(tag, className, text, attributes = {}) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
    return el;
  }

  // Reads (no value), writes or removes (null) a key. Storage can be blocked (privacy modes,
  // sandboxed frames): the chat then still works, it just forgets across pages.
  function remember(key, value, kind = "localStorage") {
    try {
      if (value === undefined) return window[kind].getItem(key);
      if (value === null) window[kind].removeItem(key);
      else window[kind].setItem(key, value);
    } catch (err) { /* not kept */ }
    return null;
  }

  // ---- opening and closing ----
  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.classList.toggle("is-open", open);
    remember(OPEN_KEY, open ? "1" : null, "sessionStorage"); // stays open across pages
    if (open) {
      input.focus();
      if (!ready) ready = load();
    }
  }
  launcher.addEventListener("click", () => setOpen(panel.hidden));
  $(".close").addEventListener("click", () => { setOpen(false); launcher.focus(); });
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { setOpen(false); launcher.focus(); }
  });

  // ---- rendering ----
  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function setText(el, text) { // keeps line breaks (CSS pre-wrap) and makes web links clickable
    el.textContent = "";
    el.classList.remove("typing");
    for (const part of String(text).split(/(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)])/)) {
      if (/^https?:\/\//.test(part)) {
        const shown = part.length > 48 ? part.slice(0, 44) + "\u2026" : part;
        el.append(h("a", "", shown, { href: part, title: part }));
      } else if (part) {
        el.append(document.createTextNode(part));
      }
    }
  }

  function bubble(role, text) {
    const el = h("div", "msg " + role);
    if (text === null) el.classList.add("typing");
    else setText(el, text);
    log.append(el);
    scrollDown();
    return el;
  }

  function placeholder(title, width = 120) { // the product's initials in SVG: never a request
    const words = String(title || "?").match(/\b[A-Za-z0-9]/g) || ["?"];
    let hue = 0;
    for (const ch of String(title)) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} 120">` +
      `<rect width="${width}" height="120" fill="hsl(${hue},32%,88%)"/>` +
      `<text x="${width / 2}" y="61" dy=".35em" text-anchor="middle" font-family="system-ui,sans-serif" ` +
      `font-size="42" font-weight="600" fill="hsl(${hue},35%,32%)">` +
      `${words.slice(0, 2).join("").toUpperCase()}</text></svg>`;
    return "data:image/svg+xml," + encodeURIComponent(svg);
  }

  function image(src, title) {
    const img = h("img", "", undefined, { alt: "", loading: "lazy" });
    img.onerror = () => { img.onerror = null; img.src = placeholder(title); };
    img.src = src || placeholder(title);
    return img;
  }

  // A plain link, so the shopper simply goes there; a relative /c/... link is on the API's host.
  const checkoutLink = (url, label) => h("a", "checkout", label, { href: new URL(url, API + "/") });

  function card(product, reply) {
    const el = h("article", "card");
    el.dataset.productId = product.product_id;
    const info = h("div", "info");
    info.append(h("h3", "title", product.title));
    const meta = h("p", "meta");
    meta.append(h("span", "badge " + (product.in_stock ? "in" : "out"),
      product.in_stock ? "In stock" : "Sold out"));
    if (product.subtitle) meta.append(h("span", "subtitle", product.subtitle));
    const price = h("p", "price");
    price.append(h("span", "now", money.format(Number(product.price))));
    if (product.compare_at_price && Number(product.compare_at_price) > Number(product.price)) {
      const was = money.format(Number(product.compare_at_price));
      price.append(" ", h("s", "was", was, { "aria-label": "was " + was }));
    }
    const row = h("div", "row");
    row.append(price);
    let buy;
    if (reply.checkout_url && reply.products.length === 1) {
      buy = checkoutLink(reply.checkout_url, "Checkout");
    } else {
      buy = h("button", "buy", product.in_stock ? "Buy" : "Sold out",
        { type: "button", "aria-label": "Buy " + product.title });
      buy.disabled = !product.in_stock;
      buy.addEventListener("click", () => sendText("I'll take the " + product.title));
    }
    row.append(buy);
    info.append(meta, row);
    el.append(image(product.image, product.title), info);
    return el;
  }

  function chips(quickReplies) {
    if (!quickReplies || !quickReplies.length) return;
    const group = h("div", "chips", undefined, { role: "group", "aria-label": "Suggested replies" });
    for (const q of quickReplies) {
      const chip = h("button", "chip", q.title, { type: "button" });
      chip.addEventListener("click", () => send({ quick_reply: q.payload }, q.title));
      group.append(chip);
    }
    log.append(group);
  }

  function showReply(reply, el) {
    if (reply.text) setText(el, reply.text);
    else el.remove(); // a paused bot answers nothing: the banner says who replies
    const products = reply.products || [];
    if (products.length) {
      const list = h("div", "cards");
      for (const product of products) list.append(card(product, reply));
      log.append(list);
    }
    if (reply.checkout_url && products.length !== 1) {
      log.append(checkoutLink(reply.checkout_url, "Go to checkout"));
    }
    chips(reply.quick_replies);
    banner.hidden = !reply.waiting_for_human;
    if (reply.waiting_for_human) listen();
    scrollDown();
  }

  // ---- live replies while a person has the conversation ----
  // Server-Sent Events read with fetch (EventSource cannot send the secret header). Every
  // message event has an id; after a drop the stream is reopened with the last one seen as
  // Last-Event-ID, so a reply sent meanwhile arrives, and ids already shown are skipped.
  let live = null; // the AbortController of the current listening, if any
  function listen(since) {
    if (live || !conversationId) return;
    const controller = new AbortController();
    live = controller;
    let lastId = since ? String(since) : "";
    const stillListening = () => live === controller;
    (async () => {
      for (let attempt = 0; stillListening(); attempt++) {
        try {
          const headers = { ...secretHeader(), accept: "text/event-stream" };
          if (lastId) headers["last-event-id"] = lastId;
          const response = await fetch(`${API}/api/conversations/${conversationId}/events`,
            { headers, signal: controller.signal, cache: "no-store" });
          if (response.status === 404) { stopListening(); return; } // gone: nothing to wait for
          if (!response.ok || !response.body) throw new Error(response.statusText);
          for await (const event of serverEvents(response)) {
            attempt = 0;
            if (event.id) lastId = event.id;
            if (!stillListening()) return;
            onLiveEvent(event);
          }
        } catch (err) { /* dropped: reconnect below */ }
        if (!stillListening()) return;
        await pause(attempt);
      }
    })();
  }

  function stopListening() {
    if (live) live.abort();
    live = null;
  }

  function onLiveEvent(event) {
    if (!event.data) return; // the stream's opening: only where it starts (its id)
    if (event.event === "message") {
      const message = JSON.parse(event.data);
      if (!shownIds.has(message.id)) {
        shownIds.add(message.id);
        bubble("assistant", message.text);
      }
    } else if (event.event === "state") {
      const state = JSON.parse(event.data).state;
      banner.hidden = !paused(state);
      if (banner.hidden) stopListening(); // the bot (or a rating) is next
    }
  }

  // The events of a text/event-stream response: {event, data, id}; comments are skipped.
  async function* serverEvents(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name) => block.split("\n").filter((l) => l.startsWith(name + ":"))
          .map((l) => l.slice(name.length + 1).replace(/^ /, ""));
        const event = { event: field("event")[0] || "message", data: field("data").join("\n"), id: field("id")[0] };
        if (event.data || event.id) yield event;
      }
    }
  }

  const notice = (text) => { noticeEl.textContent = text || ""; noticeEl.hidden = !text; };

  // ---- talking to the API ----
  const secretHeader = () => (secret ? { "x-conversation-secret": secret } : {});
  const api = (path, body) => fetch(API + path, body === undefined ? { headers: secretHeader() } : {
    method: "POST", headers: { "content-type": "application/json", ...secretHeader() },
    body: JSON.stringify(body),
  });

  async function json(response) {
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || response.statusText);
    return data;
  }

  function pause(attempt) { // 1 s, 2 s, 4 s ... 30 s; coming back online wakes it early
    const ms = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
    return new Promise((resolve) => {
      const wake = () => { clearTimeout(timer); removeEventListener("online", wake); resolve(); };
      const timer = setTimeout(wake, ms);
      addEventListener("online", wake);
    });
  }

  // Runs `request` until a response arrives. Only network failures (fetch rejects with a
  // TypeError) are retried: once the server answered, the message is in and is not resent.
  async function untilAnswered(request) {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await request();
        notice("");
        return response;
      } catch (err) {
        if (!(err instanceof TypeError)) throw err;
        notice("Reconnecting...");
        await pause(attempt);
      }
    }
  }

  const history = () => untilAnswered(() => api(`/api/conversations/${conversationId}/messages`));
  const paused = (state) => state === "pending_human" || state === "human";

  async function start() {
    stopListening();
    const body = VISITOR ? { visitor: VISITOR } : {};
    const data = await json(await untilAnswered(() => api("/api/conversations", body)));
    conversationId = data.conversation_id;
    secret = data.secret;
    remember(KEY, JSON.stringify({ id: conversationId, secret }));
    showReply(data.greeting, bubble("assistant", ""));
  }

  async function load() { // the stored conversation's history, or a new greeting
    setBusy(true);
    try {
      const response = conversationId && (await history());
      if (response && response.status !== 404) {
        const data = await json(response);
        const last = data.messages.length - 1;
        data.messages.forEach((m, i) => { // cards, links and the last reply's chips come back too
          shownIds.add(m.id);
          const el = bubble(m.role, m.text);
          if (m.channel && m.channel !== "web") el.dataset.channel = m.channel;
          if (m.role === "assistant") showReply({ ...m, quick_replies: i === last ? m.quick_replies : [] }, el);
        });
        banner.hidden = !paused(data.state);
        if (paused(data.state)) listen(last >= 0 ? data.messages[last].id : 0); // from here on
      } else {
        await start(); // none yet, or the server no longer knows it
      }
    } catch (err) {
      notice("Chat is unavailable right now. Please try again later.");
    } finally {
      setBusy(false);
    }
  }

  async function readEvents(response, el) { // the reply's stream: token events, then the reply
    let streamed = "";
    for await (const { event, data } of serverEvents(response)) {
      if (event === "reply") return JSON.parse(data);
      if (event === "error") throw new Error(JSON.parse(data).detail);
      if (event === "token") { streamed += JSON.parse(data).text; setText(el, streamed); scrollDown(); }
    }
    throw new Error("the reply stream ended early");
  }

  async function recover(el) { // the stream broke after the message was in: read the history
    const data = await json(await history());
    const last = data.messages[data.messages.length - 1] || {};
    const text = last.role === "assistant" ? last.text : "";
    showReply({ text, quick_replies: [], waiting_for_human: paused(data.state) }, el);
    if (!text && !paused(data.state)) notice("Sorry, the reply got lost. Please ask again.");
  }

  // One id per message: a resend after a dropped connection gets the first answer, not a second.
  const newId = () => (window.crypto && crypto.randomUUID ? crypto.randomUUID()
    : Date.now().toString(36) + Math.random().toString(36).slice(2));

  async function send(body, label) {
    if (busy) return;
    body = { ...body, client_message_id: newId() };
    setBusy(true);
    log.querySelectorAll(".chips").forEach((group) => group.remove());
    const mine = bubble("shopper", label);
    const el = bubble("assistant", null);
    const post = () => untilAnswered(() => api(`/api/conversations/${conversationId}/messages/stream`, body));
    try {
      let response = conversationId && (await post());
      if (!response || response.status === 404) { // none yet, or the server forgot it: start over
        await start();
        log.append(mine, el); // after the greeting
        response = await post();
      }
      if (!response.ok) await json(response);
      let reply;
      try { reply = await readEvents(response, el); } catch (err) { await recover(el); return; }
      showReply(reply, el);
    } catch (err) {
      el.remove();
      mine.classList.add("failed");
      notice("That didn't go through" + (err.message ? ": " + err.message : "") + ".");
      if (!input.value && body.text) { input.value = body.text; grow(); }
    } finally {
      setBusy(false);
    }
  }

  function sendText(text) {
    const clean = String(text).trim();
    if (clean) send({ text: clean }, clean);
  }

  function setBusy(value) {
    busy = value;
    panel.classList.toggle("busy", value);
    $(".send").disabled = value;
    $(".human").disabled = value;
  }

  $(".composer").addEventListener("submit", (e) => {
    e.preventDefault();
    if (busy || !input.value.trim()) return;
    const text = input.value;
    input.value = "";
    grow();
    sendText(text);
  });
  function grow() { // the box grows with the text, up to its CSS max-height
    input.style.height = "auto";
    input.style.height = input.scrollHeight + "px";
  }
  input.addEventListener("input", grow);
  input.addEventListener("keydown", (e) => { // Enter sends, Shift+Enter starts a new line
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $(".composer").requestSubmit();
    }
  });
  $(".human").addEventListener("click", () => sendText("I'd like to talk to a person"));

  // "Continue from WhatsApp": a code goes to the shopper's phone chat; typed here, it links the
  // two chats and the earlier messages appear above.
  const CHANNEL_NAMES = { whatsapp: "WhatsApp", sms: "SMS" };
  async function linkPhone() {
    if (busy || log.querySelector(".link")) return;
    await ready;
    if (!conversationId) await start();
    const form = h("form", "link");
    const field = h("input", "", undefined, { type: "tel", autocomplete: "tel", maxlength: "25",
      placeholder: "Your WhatsApp number", "aria-label": "Your WhatsApp number" });
    const go = h("button", "", "Send code", { type: "submit" });
    form.append(field, go);
    let step = "link";
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = field.value.trim();
      if (!value) return;
      try {
        const path = `/api/conversations/${conversationId}/` + (step === "link" ? "link" : "link/verify");
        const data = await json(await api(path, step === "link" ? { phone: value } : { code: value }));
        if (step === "link") {
          step = "verify";
          // The same answer for any number: the shop does not say which numbers it knows.
          const where = (data.channels || []).map((c) => CHANNEL_NAMES[c] || c).join(" or ");
          notice(`We sent a code to ${data.sent_to} on ${where || "your phone"} if we chat with ` +
            "that number there (write to us there first if nothing arrives). Type it here.");
          Object.assign(field, { value: "", type: "text", placeholder: "6-digit code", maxLength: 9 });
          field.setAttribute("aria-label", "The code we sent");
          field.setAttribute("inputmode", "numeric");
          go.textContent = "Verify";
        } else {
          notice("");
          log.textContent = "";
          ready = load(); // the linked chat's messages, then this one's
        }
      } catch (err) {
        notice(err.message);
      }
    });
    log.append(form);
    scrollDown();
    field.focus();
  }
  $(".link-phone").addEventListener("click", linkPhone);

  if (remember(OPEN_KEY, undefined, "sessionStorage")) setOpen(true);

  // A small API for the host page: open the chat, or ask something from a button.
  window.Concierge = {
    open: () => setOpen(true),
    ask: (text) => { setOpen(true); ready.then(() => sendText(text)); },
    placeholder,
  };
})();
