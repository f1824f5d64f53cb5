/* Concierge agent console: sign in, the handoff queue, one conversation at a time, replies.
 * No dependencies, no build step. Everything from the server (shopper text above all) is set
 * with textContent or setAttribute, never parsed as markup. Requests carry the session cookie
 * (same origin) and JSON bodies, which the console API requires as its CSRF defence. */
(() => {
  "use strict";
  const API = "/console/api";
  const MAX_BACKOFF_MS = 30000;
  const CHANNELS = {
    web: "Web chat", whatsapp: "WhatsApp", messenger: "Messenger", instagram: "Instagram",
    sms: "SMS",
  };
  const STATES = {
    bot: "With the bot", pending_human: "Waiting for an agent", human: "With an agent",
    closed: "Closed",
  };
  const CURRENCY = document.currentScript?.dataset.currency || "USD"; // as the widget's data-currency
  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: CURRENCY });
  const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
  const day = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

  const $ = (id) => document.getElementById(id);
  const el = {
    skip: document.querySelector(".skip"), who: $("who"), live: $("live"),
    agentName: $("agent-name"), agentTeam: $("agent-team"), logout: $("logout"),
    loginView: $("login-view"), loginForm: $("login-form"), loginError: $("login-error"),
    loginSubmit: $("login-submit"), username: $("username"), password: $("password"),
    desk: $("desk-view"), queueList: $("queue-list"), queueEmpty: $("queue-empty"),
    queueCount: $("queue-count"), none: $("conv-none"), conv: $("conv"),
    title: $("conv-title"), meta: $("conv-meta"), notice: $("conv-notice"),
    claim: $("claim"), handback: $("handback"), close: $("close"), reopen: $("reopen"),
    template: $("template"),
    transcript: $("transcript"), replyForm: $("reply-form"), reply: $("reply"), send: $("send"),
    windowNote: $("window-note"), hint: $("reply-hint"), replyError: $("reply-error"),
    facts: $("ticket-facts"), summary: $("ticket-summary"), products: $("ticket-products"),
    ticket: $("ticket"),
  };

  let me = null; // the signed-in agent
  let tickets = [];
  let queueAt = 0; // when `tickets` arrived (waiting times count on from there)
  let openId = null; // the conversation on screen
  let current = null; // its last payload
  let log = null; // its transcript element (a fresh live region per conversation)
  let pinned = true; // the transcript is scrolled to its newest message
  const resizes = new ResizeObserver(() => { if (pinned && log) toBottom(log); });
  let events = null;
  const drafts = new Map(); // conversation id -> an unsent reply, kept while looking elsewhere

  function h(tag, className, text, attributes = {}) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  }

  const channelName = (channel) => CHANNELS[channel] || String(channel || "Unknown");
  const sentence = (text) => { const s = String(text || ""); return s.charAt(0).toUpperCase() + s.slice(1); };
  const said = (text, capital = true) => { // a message from the server as a sentence
    const s = String(text || "").trim();
    const t = capital ? sentence(s) : s;
    return /[.!?]$/.test(t) ? t : `${t}.`;
  };
  const mine = (conversation) => Boolean(me) && conversation.assigned_agent === me.username;

  function waited(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return "under a minute";
    if (s < 3600) return `${Math.floor(s / 60)} min`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
    return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  }

  function when(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return "";
    const today = new Date().toDateString() === date.toDateString();
    return today ? clock.format(date) : `${day.format(date)}, ${clock.format(date)}`;
  }

  function safeUrl(url) { // only web links: never javascript: or data: from the server
    try {
      const parsed = new URL(String(url), location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (err) { return null; }
  }

  // ---- talking to the API ----
  class ApiError extends Error {
    constructor(status, detail) { super(detail); this.status = status; }
  }

  async function api(path, body) {
    const init = { credentials: "same-origin", headers: { accept: "application/json" } };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(API + path, init);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (response.status === 401 && path !== "/login" && me) signedOut();
      throw new ApiError(response.status, data.detail || response.statusText || "request failed");
    }
    return data;
  }

  // Runs `load` now, or once more after the run in flight: bursts of events cost two loads.
  function coalesced(load) {
    let running = null;
    let again = false;
    const run = async () => {
      if (running) { again = true; return running; }
      running = (async () => {
        do { again = false; try { await load(); } catch (err) { /* shown by load */ } } while (again);
      })();
      try { await running; } finally { running = null; }
    };
    return run;
  }

  // ---- signing in and out ----
  function showLogin(message) {
    me = null;
    stopEvents();
    el.desk.hidden = true;
    el.who.hidden = true;
    el.skip.hidden = true;
    el.loginView.hidden = false;
    el.loginError.textContent = message || "";
    el.password.value = "";
    (el.username.value ? el.password : el.username).focus();
  }

  function signedOut() { showLogin("Your session has ended. Please sign in again."); }

  function showDesk(agent) {
    me = agent;
    el.loginView.hidden = true;
    el.desk.hidden = false;
    el.who.hidden = false;
    el.skip.hidden = false;
    el.agentName.textContent = agent.display_name || agent.username;
    el.agentTeam.textContent = agent.team || "";
    el.agentTeam.hidden = !agent.team;
    startEvents();
    refreshQueue();
    route();
  }

  el.loginForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const username = el.username.value.trim();
    const password = el.password.value;
    if (!username || !password) {
      el.loginError.textContent = "Enter your username and password.";
      (username ? el.password : el.username).focus();
      return;
    }
    el.loginSubmit.disabled = true;
    el.loginError.textContent = "";
    try {
      const data = await api("/login", { username, password });
      el.password.value = "";
      showDesk(data.agent);
      $("queue-title").focus(); // the next Tab reaches the first ticket
    } catch (err) {
      el.loginError.textContent = err.status === 401 ? "Wrong username or password."
        : err.status === 429 ? "Too many failed attempts. Try again later."
        : `Sign-in failed: ${err.message}`;
      el.password.select();
      el.password.focus();
    } finally {
      el.loginSubmit.disabled = false;
    }
  });

  el.logout.addEventListener("click", async () => {
    try { await api("/logout", {}); } catch (err) { /* signed out either way */ }
    closeConversation();
    history.replaceState(null, "", location.pathname);
    showLogin();
  });

  // The skip link moves focus, not the location: the hash names the open conversation.
  el.skip.addEventListener("click", (e) => {
    e.preventDefault();
    (el.conv.hidden ? $("conversation") : el.title).focus();
  });

  // ---- the queue ----
  const EMPTY_QUEUE = el.queueEmpty.textContent;
  const refreshQueue = coalesced(async () => {
    try {
      const data = await api("/queue");
      tickets = data.tickets || [];
      queueAt = Date.now();
      el.queueEmpty.textContent = EMPTY_QUEUE;
      renderQueue();
    } catch (err) {
      if (err.status === 401) return;
      el.queueEmpty.textContent = `Could not load the queue (${err.message}). Retrying when something changes.`;
      el.queueEmpty.hidden = false;
    }
  });

  function ticketItem(ticket) {
    const other = me && !me.is_admin && ticket.team && ticket.team !== me.team;
    const active = ticket.conversation_id === openId;
    const button = h("button", "ticket-item" + (other ? " other" : ""), undefined, {
      type: "button", "data-id": ticket.conversation_id,
    });
    if (active) button.setAttribute("aria-current", "true");
    const top = h("span", "top");
    top.append(h("span", `channel ch-${ticket.channel}`, channelName(ticket.channel)));
    if (ticket.team) top.append(h("span", "team", ticket.team));
    const waiting = !ticket.assigned_agent; // a claimed ticket's wait ended when it was claimed
    const wait = h("span", "wait");
    wait.dataset.seconds = String(ticket.waiting_seconds || 0);
    if (waiting) wait.dataset.ticking = "1";
    wait.append(h("span", "sr", waiting ? "waiting " : "waited "), h("span", "value"));
    top.append(wait);
    const state = ticket.assigned_agent
      ? (me && ticket.assigned_agent === me.username ? "Claimed by you" : `Claimed by ${ticket.assigned_agent}`)
      : "Unclaimed";
    button.append(top, h("span", "reason", sentence(ticket.reason || "Handed off")),
      h("span", "summary", ticket.summary || ""),
      h("span", "state", other ? `${state} · another team's` : state));
    button.addEventListener("click", () => go(ticket.conversation_id));
    return h("li").appendChild(button).parentNode;
  }

  function renderQueue() {
    const focused = document.activeElement?.closest?.(".ticket-item")?.dataset.id;
    el.queueList.replaceChildren(...tickets.map(ticketItem));
    el.queueEmpty.hidden = tickets.length > 0;
    el.queueCount.textContent = tickets.length ? String(tickets.length) : "";
    tickWaits();
    if (focused) el.queueList.querySelector(`[data-id="${CSS.escape(focused)}"]`)?.focus();
  }

  function tickWaits() { // waiting times count up between refreshes
    const elapsed = (Date.now() - queueAt) / 1000;
    for (const wait of el.queueList.querySelectorAll(".wait")) {
      const seconds = Number(wait.dataset.seconds) + (wait.dataset.ticking ? elapsed : 0);
      wait.querySelector(".value").textContent = waited(seconds);
      wait.classList.toggle("long", seconds >= 300);
    }
  }
  setInterval(tickWaits, 15000);

  // ---- one conversation ----
  function route() { // #/c/<conversation id> opens it: reloads and the back button work
    const match = location.hash.match(/^#\/c\/(.+)$/);
    if (!me) return;
    if (match) openConversation(decodeURIComponent(match[1]));
    else closeConversation();
  }
  window.addEventListener("hashchange", () => route());

  function go(id) {
    if (id === openId) { el.title.focus(); return; }
    location.hash = `#/c/${encodeURIComponent(id)}`;
  }

  const PLACEHOLDER = [el.none.querySelector("h2").textContent, el.none.querySelector("p").textContent];
  function showPlaceholder(title, text) {
    el.none.querySelector("h2").textContent = title;
    el.none.querySelector("p").textContent = text;
  }

  function closeConversation() {
    keepDraft();
    showPlaceholder(...PLACEHOLDER);
    openId = null;
    current = null;
    el.conv.hidden = true;
    el.none.hidden = false;
    markActive();
  }

  async function openConversation(id) {
    const fresh = id !== openId;
    if (fresh) keepDraft();
    openId = id;
    if (fresh) {
      current = null;
      el.reply.value = drafts.get(id) || "";
      el.replyError.textContent = "";
      notice("");
    }
    markActive();
    await refreshConversation();
    if (fresh && current && openId === id) el.title.focus();
  }

  const refreshConversation = coalesced(async () => {
    const id = openId;
    if (!id) return;
    try {
      const data = await api(`/conversations/${encodeURIComponent(id)}`);
      if (id === openId) render(data);
    } catch (err) {
      if (id !== openId) return;
      if (err.status === 404 || err.status === 403) {
        el.conv.hidden = true;
        el.none.hidden = false;
        showPlaceholder(err.status === 404 ? "Conversation not found" : "Another team's conversation",
          said(err.message));
      } else {
        notice(`Could not load the conversation: ${err.message}`);
      }
    }
  });

  function keepDraft() {
    if (!openId) return;
    if (el.reply.value.trim()) drafts.set(openId, el.reply.value);
    else drafts.delete(openId);
  }

  function markActive() {
    for (const button of el.queueList.querySelectorAll(".ticket-item")) {
      if (button.dataset.id === openId) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  function render(data) {
    const fresh = !current || current.conversation.id !== data.conversation.id;
    current = data;
    const c = data.conversation;
    el.none.hidden = true;
    el.conv.hidden = false;
    el.title.textContent = `${channelName(c.channel)} shopper`;
    const meta = [STATES[c.state] || c.state];
    if (c.assigned_agent) meta.push(mine(c) ? "assigned to you" : `assigned to ${c.assigned_agent}`);
    meta.push(`conversation ${c.id}`);
    el.meta.textContent = meta.join(" · ");
    el.conv.dataset.state = c.state;
    renderActions(c);
    renderTicket(data.ticket);
    renderMessages(data.messages || [], fresh);
  }

  // What the desk allows (assistant/desk/lifecycle.py): claim, reply, hand back and close a
  // waiting or claimed conversation; once an agent has it, only they (or an admin) act on it.
  function renderActions(c) {
    const active = c.state === "pending_human" || c.state === "human";
    const takenByOther = c.state === "human" && Boolean(c.assigned_agent) && !mine(c);
    const mayAct = active && (!takenByOther || Boolean(me && me.is_admin));
    const settled = c.state === "bot" || c.state === "closed"; // nothing to claim or hand back
    el.claim.textContent = takenByOther ? "Take over" : "Claim";
    el.claim.hidden = settled || (c.state === "human" && mine(c));
    el.claim.disabled = !(c.state === "pending_human" || (takenByOther && mayAct));
    el.handback.hidden = settled;
    el.handback.disabled = !mayAct;
    el.close.hidden = settled;
    el.close.disabled = !mayAct;
    el.reopen.hidden = c.state !== "closed";

    const window_ = c.window || { open: true, note: null };
    const blocked = window_.open === false;
    const templateOnly = blocked && /only the template/i.test(window_.note || "");
    el.windowNote.textContent = window_.note ? said(window_.note)
      : blocked ? "The channel does not allow a message right now." : "";
    el.windowNote.hidden = !el.windowNote.textContent;
    el.windowNote.classList.toggle("blocked", blocked);
    el.template.hidden = !(templateOnly && mayAct);

    const canReply = mayAct && !blocked;
    el.reply.disabled = !canReply;
    el.send.disabled = !canReply;
    const where = channelName(c.channel);
    el.hint.textContent = canReply && c.state === "pending_human"
      ? `Sending claims the conversation for you; the reply goes to the shopper on ${where}.`
      : canReply ? `Goes to the shopper on ${where}.`
      : mayAct && templateOnly ? "Until the shopper writes again, only the approved template can be sent."
      : mayAct ? "This channel does not allow a reply right now: see the note above."
      : takenByOther ? `${c.assigned_agent} is handling this conversation.`
      : c.state === "bot" ? "The bot is answering this shopper."
      : "This conversation is closed. Reopen it to write to the shopper.";
  }

  function fact(list, term, value) {
    if (value === undefined || value === null || value === "") return;
    list.append(h("dt", "", term), h("dd", "", value));
  }

  function renderTicket(ticket) {
    el.ticket.hidden = !ticket;
    if (!ticket) return;
    const facts = document.createDocumentFragment();
    fact(facts, "Reason", sentence(ticket.reason));
    fact(facts, "Team", ticket.team);
    fact(facts, "Bot confidence", typeof ticket.confidence === "number"
      ? `${Math.floor(ticket.confidence * 100 + 1e-9)}%` : "not measured"); // 99.6% is not 100%
    if (ticket.created_at) fact(facts, "Handed off", when(ticket.created_at));
    if (typeof ticket.waiting_seconds === "number" && ticket.state === "pending_human") {
      fact(facts, "Waiting", waited(ticket.waiting_seconds));
    }
    if (typeof ticket.csat_rating === "number") fact(facts, "Shopper's rating", `${ticket.csat_rating} / 5`);
    el.facts.replaceChildren(facts);
    el.summary.textContent = ticket.summary || "No summary.";
    const products = ticket.products || [];
    el.products.replaceChildren(...products.map(card));
    if (!products.length) el.products.append(h("p", "muted", "None in this conversation."));
  }

  function placeholder(title) { // the product's initials in SVG: never a request
    const words = String(title || "?").match(/\b[A-Za-z0-9]/g) || ["?"];
    let hue = 0;
    for (const ch of String(title)) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120">` +
      `<rect width="120" height="120" fill="hsl(${hue},32%,88%)"/>` +
      `<text x="60" y="61" dy=".35em" text-anchor="middle" font-family="system-ui,sans-serif" ` +
      `font-size="42" font-weight="600" fill="hsl(${hue},35%,32%)">` +
      `${words.slice(0, 2).join("").toUpperCase()}</text></svg>`;
    return "data:image/svg+xml," + encodeURIComponent(svg);
  }

  function card(product) {
    const node = h("article", "card");
    node.dataset.productId = product.product_id;
    const img = h("img", "", undefined, { alt: "", loading: "lazy", width: "56", height: "56" });
    img.onerror = () => { img.onerror = null; img.src = placeholder(product.title); };
    img.src = safeUrl(product.image) || placeholder(product.title);
    const info = h("div", "info");
    const url = safeUrl(product.url);
    const title = h("h4", "title");
    if (url) title.append(h("a", "", product.title, { href: url, target: "_blank", rel: "noopener noreferrer" }));
    else title.textContent = product.title;
    const row = h("p", "row");
    const price = Number(product.price);
    row.append(h("span", "price", Number.isFinite(price) ? money.format(price) : String(product.price ?? "")),
      h("span", "badge " + (product.in_stock ? "in" : "out"), product.in_stock ? "In stock" : "Sold out"));
    info.append(title, row);
    node.append(img, info);
    return node;
  }

  function author(message) {
    if (message.role === "shopper") return "Shopper";
    if (message.role !== "agent") return "Bot";
    if (me && message.author === me.username) return me.display_name || me.username;
    return message.author || "Agent";
  }

  function bubble(message) {
    const role = ["shopper", "assistant", "agent"].includes(message.role) ? message.role : "assistant";
    const node = h("div", `msg ${role}`);
    node.dataset.id = String(message.id);
    const head = h("p", "by");
    head.append(h("span", "author", author(message)));
    if (message.created_at) {
      head.append(h("time", "at", when(message.created_at), { datetime: message.created_at }));
    }
    node.append(head, h("p", "text", message.text || ""));
    return node;
  }

  function renderMessages(messages, fresh) {
    const shown = log && !fresh ? [...log.children].map((node) => node.dataset.id) : null;
    const ids = messages.map((m) => String(m.id));
    const appendOnly = shown && shown.every((id, i) => ids[i] === id);
    if (appendOnly) { // only the new ones: the live region announces just those
      const added = messages.slice(shown.length);
      for (const message of added) log.append(bubble(message));
      // Follow new messages, unless the agent scrolled up to read (their own reply: always).
      if (pinned || added.some((m) => m.role === "agent" && m.author === me?.username)) toBottom(log);
      return;
    }
    // A new live region, filled before it joins the page, so opening a chat reads nothing out.
    log = h("div", "log", undefined, { role: "log", "aria-live": "polite", "aria-label": "Messages", tabindex: "0" });
    log.append(...messages.map(bubble));
    if (!messages.length) log.append(h("p", "muted", "No messages yet."));
    el.transcript.replaceChildren(log);
    pinToBottom(log);
  }

  function toBottom(node) { node.scrollTop = node.scrollHeight; pinned = true; }

  // The newest message stays in view while the log is read at its end, even when a notice or
  // the window note above or below it takes room; scrolling up to read older ones unpins it.
  function pinToBottom(node) {
    toBottom(node);
    node.addEventListener("scroll", () => {
      pinned = node.scrollHeight - node.scrollTop - node.clientHeight < 40;
    });
    resizes.disconnect(); // the previous conversation's log is gone
    resizes.observe(node);
  }

  function notice(text) {
    el.notice.textContent = text || "";
    el.notice.hidden = !text;
  }

  // ---- acting on a conversation ----
  async function act(action, body, done) {
    const id = openId;
    if (!id) return;
    el.replyError.textContent = "";
    notice("");
    try {
      const data = await api(`/conversations/${encodeURIComponent(id)}/${action}`, body || {});
      if (id !== openId) return;
      if (data.messages) render(data); // the whole payload
      else await refreshConversation(); // or just the conversation: read the rest
      done();
      refreshQueue();
    } catch (err) {
      if (err.status === 401) return;
      const why = err.status === 409 ? `Not possible now: ${said(err.message, false)}`
        : err.status === 403 ? `Not allowed: ${said(err.message, false)}`
        : err.status === 422 && action === "reply" ? `Not sent: ${said(err.message, false)}`
        : said(err.message);
      if (action === "reply") el.replyError.textContent = why;
      else notice(why);
      refreshConversation();
      throw err;
    }
  }

  const quietly = (promise) => promise.catch(() => {});

  el.claim.addEventListener("click", () => quietly(act("claim", {}, () => {
    notice("You claimed this conversation. The shopper sees your replies.");
    if (!el.reply.disabled) el.reply.focus();
  })));
  el.handback.addEventListener("click", () => quietly(act("handback", {}, () => {
    notice("Handed back: the bot answers this shopper again.");
    el.title.focus();
  })));
  el.close.addEventListener("click", () => quietly(act("close", {}, () => {
    notice("Conversation closed. The shopper is asked to rate the help they got.");
    el.title.focus();
  })));

  el.reopen.addEventListener("click", () => quietly(act("reopen", {}, () => {
    notice("Reopened: the conversation is yours again.");
    if (!el.reply.disabled) el.reply.focus(); else el.title.focus();
  })));
  el.template.addEventListener("click", () => quietly(act("reply", {
    text: "(Sent the approved template, so the shopper can reopen the conversation.)",
    send_template: true,
  }, () => notice("Template sent. You can reply freely once the shopper answers."))));

  el.replyForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = el.reply.value.trim();
    if (!text || el.send.disabled) return;
    el.send.disabled = true;
    el.reply.setAttribute("aria-busy", "true");
    try {
      await act("reply", { text }, () => { el.reply.value = ""; });
    } catch (err) {
      /* the error is shown under the box; the text stays for another try */
    } finally {
      el.reply.removeAttribute("aria-busy");
      if (current) renderActions(current.conversation);
      if (!el.reply.disabled) el.reply.focus();
    }
  });
  el.reply.addEventListener("keydown", (e) => { // Enter sends, Shift+Enter starts a new line
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      el.replyForm.requestSubmit();
    }
  });

  // ---- live updates: Server-Sent Events, reconnecting with backoff ----
  function setLive(state) {
    el.live.dataset.state = state;
    el.live.textContent = { live: "Live", connecting: "Connecting", down: "Reconnecting" }[state];
  }

  function startEvents(attempt = 0) {
    stopEvents();
    setLive("connecting");
    const source = new EventSource(`${API}/events`, { withCredentials: true });
    events = source;
    // A stream reports changes from when it starts: on every (re)connection, read the queue
    // and the open conversation again, so nothing from before it, or from a drop, is missed.
    source.onopen = () => {
      attempt = 0;
      setLive("live");
      refreshQueue();
      refreshConversation();
    };
    source.addEventListener("queue", (e) => {
      refreshQueue();
      if (about(e) === openId) refreshConversation();
    });
    source.addEventListener("message", (e) => {
      if (about(e) === openId) refreshConversation();
    });
    source.onerror = async () => {
      if (events !== source) return;
      setLive("down");
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      stopEvents(); // the server refused the stream: signed out, or down
      try { await api("/me"); } catch (err) { if (err.status === 401) return; } // signed out
      setTimeout(() => { if (me && !events) startEvents(attempt + 1); },
        Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt));
    };
  }

  function about(e) {
    try { return JSON.parse(e.data).conversation_id || null; } catch (err) { return null; }
  }

  function stopEvents() {
    if (events) events.close();
    events = null;
  }

  // ---- start: the sign-in form until the session is known good ----
  (async () => {
    try {
      const data = await api("/me");
      showDesk(data.agent);
    } catch (err) {
      showLogin(err.status === 401 || err.status === undefined ? "" : `The console is unavailable: ${err.message}`);
    }
  })();
})();
