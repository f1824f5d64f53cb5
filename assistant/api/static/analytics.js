// Concierge analytics page: reads GET /console/api/analytics and draws every chart as inline
// SVG (no library, no inline script or style: the page runs under a strict CSP). Text from the
// server only ever goes in as text.
(() => {
  "use strict";
  const API = "/console/api";
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const RATES = [
    ["resolution_rate", "resolved by bot"],
    ["handoff_rate", "handed off"],
    ["click_through", "checkout click-through"],
  ];

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
    if (!response.ok) throw new ApiError(response.status, data.detail || response.statusText);
    return data;
  }

  // ---- small builders ----
  function el(tag, attrs, parent, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function sv(tag, attrs, parent, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function canvas(container, width, height, label) {
    container.replaceChildren();
    return sv("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label }, container);
  }
  function legend(container, names) {
    const box = el("div", { class: "legend" }, container);
    names.forEach((name, i) => {
      const item = el("span", {}, box);
      el("span", { class: `swatch s${i % 6}` }, item);
      item.appendChild(document.createTextNode(name));
    });
  }
  function empty(svg, width, height, message) {
    sv("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" }, svg, message);
  }
  const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);
  const secs = (v) => {
    if (v === null || v === undefined) return "–";
    return v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(1)} s`;
  };
  const minutes = (v) => (v >= 1 ? `${+v.toFixed(1)} minutes` : `${Math.round(v * 60)} seconds`);
  const pts = (v) => `${v >= 0 ? "+" : "−"}${Math.abs(v * 100).toFixed(1)} pts`;
  const niceMax = (v) => {
    if (v <= 5) return 5;
    const step = 10 ** Math.floor(Math.log10(v));
    return Math.ceil(v / step) * step;
  };

  // ---- charts ----
  function dailyChart(report) {
    const container = $("daily-chart");
    const W = 1000, H = 260, L = 40, B = 40, T = 10;
    const svg = canvas(container, W, H, "Conversations per day by channel");
    const channels = Object.keys(report.by_channel);
    const days = [...new Set(report.daily.map((d) => d.day))];
    if (!days.length) { empty(svg, W, H, "No conversations in this period."); return; }
    const totals = days.map((day) => report.daily.filter((d) => d.day === day)
      .reduce((sum, d) => sum + d.conversations, 0));
    const top = niceMax(Math.max(...totals));
    const y = (v) => H - B - ((H - B - T) * v) / top;
    for (const tick of [0, top / 2, top]) {
      sv("line", { x1: L, x2: W, y1: y(tick), y2: y(tick), class: "axis" }, svg);
      sv("text", { x: L - 6, y: y(tick) + 4, "text-anchor": "end" }, svg, String(tick));
    }
    const slot = (W - L) / days.length;
    const every = Math.ceil(days.length / 15);
    days.forEach((day, i) => {
      let base = 0;
      channels.forEach((channel, c) => {
        const found = report.daily.find((d) => d.day === day && d.channel === channel);
        const count = found ? found.conversations : 0;
        if (count) {
          const rect = sv("rect", {
            x: L + i * slot + slot * 0.15, width: slot * 0.7,
            y: y(base + count), height: y(base) - y(base + count), class: `s${c % 6}`,
          }, svg);
          sv("title", {}, rect, `${day} ${channel}: ${count}`);
        }
        base += count;
      });
      if (totals[i]) {
        sv("text", { x: L + (i + 0.5) * slot, y: y(totals[i]) - 3, "text-anchor": "middle",
          class: "value-label" }, svg, String(totals[i]));
      }
      if (i % every === 0) {
        sv("text", { x: L + (i + 0.5) * slot, y: H - B + 16, "text-anchor": "middle" }, svg, day.slice(5));
      }
    });
    legend(container, channels);
  }

  function ratesChart(containerId, segments, label) {
    const container = $(containerId);
    const W = 520, H = 240, L = 36, B = 30, T = 14;
    const svg = canvas(container, W, H, label);
    const names = Object.keys(segments);
    if (!names.length) { empty(svg, W, H, "No conversations in this period."); return; }
    const y = (v) => H - B - ((H - B - T) * v) / 100;
    for (const tick of [0, 50, 100]) {
      sv("line", { x1: L, x2: W, y1: y(tick), y2: y(tick), class: "axis" }, svg);
      sv("text", { x: L - 6, y: y(tick) + 4, "text-anchor": "end" }, svg, `${tick}%`);
    }
    const group = (W - L) / names.length;
    const bar = (group * 0.8) / RATES.length;
    names.forEach((name, i) => {
      RATES.forEach(([field, title], r) => {
        const value = segments[name][field];
        const v = value === null ? 0 : value * 100;
        const x = L + i * group + group * 0.1 + r * bar;
        const rect = sv("rect", { x, width: bar * 0.9, y: y(v), height: y(0) - y(v), class: `s${r}` }, svg);
        sv("title", {}, rect, `${name}, ${title}: ${pct(value)}`);
        sv("text", { x: x + bar * 0.45, y: y(v) - 3, "text-anchor": "middle", class: "value-label" },
          svg, value === null ? "–" : `${Math.round(v)}%`);
      });
      sv("text", { x: L + (i + 0.5) * group, y: H - B + 16, "text-anchor": "middle" }, svg, name);
    });
    legend(container, RATES.map(([, title]) => title));
  }

  function abChart(report) {
    const container = $("ab-chart");
    const list = $("ab-verdicts");
    list.replaceChildren();
    $("baseline").textContent = report.ab_baseline || "the baseline";
    const rows = report.ab;
    const W = 1000, rowH = 44, L = 120, R = 30, T = 10, B = 34;
    const H = T + B + rowH * Math.max(1, rows.length);
    const svg = canvas(container, W, H, "Difference in click-through against the baseline");
    if (!rows.length) {
      empty(svg, W, H, "Only one prompt variant has conversations: nothing to compare.");
      return;
    }
    const reach = Math.max(0.1, ...rows.flatMap((c) => [Math.abs(c.low), Math.abs(c.high)]));
    const x = (v) => L + ((W - L - R) * (v + reach)) / (2 * reach);
    sv("line", { x1: x(0), x2: x(0), y1: T, y2: H - B, class: "zero" }, svg);
    for (const tick of [-reach, -reach / 2, 0, reach / 2, reach]) {
      sv("text", { x: x(tick), y: H - B + 18, "text-anchor": "middle" }, svg, pts(tick));
    }
    rows.forEach((c, i) => {
      const cy = T + rowH * (i + 0.5);
      const cls = c.significant ? "sig" : "nosig";
      sv("text", { x: L - 10, y: cy + 4, "text-anchor": "end" }, svg, c.variant);
      sv("line", { x1: x(c.low), x2: x(c.high), y1: cy, y2: cy, class: cls, "stroke-width": 3 }, svg);
      for (const end of [c.low, c.high]) {
        sv("line", { x1: x(end), x2: x(end), y1: cy - 7, y2: cy + 7, class: cls, "stroke-width": 2 }, svg);
      }
      sv("circle", { cx: x(c.difference), cy, r: 6, class: cls }, svg);
      const text = `${c.variant}: ${pct(c.click_through)} (${c.clicked}/${c.with_link}) against `
        + `${pct(c.baseline_click_through)} (${c.baseline_clicked}/${c.baseline_with_link}), `
        + `difference ${pts(c.difference)}, 95% CI ${pts(c.low)} to ${pts(c.high)}: `
        + (c.significant ? "significant." : "not significant.");
      el("li", {}, list, text);
    });
  }

  function barsChart(containerId, entries, label, horizontal) {
    const container = $(containerId);
    const W = 520, H = horizontal ? Math.max(80, 30 * entries.length + 20) : 220;
    const svg = canvas(container, W, H, label);
    if (!entries.length || entries.every(([, v]) => !v)) { empty(svg, W, H, "Nothing yet."); return; }
    const top = Math.max(...entries.map(([, v]) => v));
    if (horizontal) {
      const L = 190, R = 40;
      entries.forEach(([name, value], i) => {
        const y = 10 + i * 30;
        const width = ((W - L - R) * value) / top;
        sv("text", { x: L - 8, y: y + 15, "text-anchor": "end" }, svg,
          name.length > 30 ? `${name.slice(0, 29)}…` : name);
        sv("rect", { x: L, y, width: Math.max(1, width), height: 20, class: "s0" }, svg);
        sv("text", { x: L + width + 5, y: y + 15, class: "value-label" }, svg, String(value));
      });
      return;
    }
    const L = 30, B = 30, T = 14;
    const slot = (W - L) / entries.length;
    const y = (v) => H - B - ((H - B - T) * v) / top;
    entries.forEach(([name, value], i) => {
      const x = L + i * slot + slot * 0.2;
      sv("rect", { x, width: slot * 0.6, y: y(value), height: y(0) - y(value), class: "s1" }, svg);
      sv("text", { x: x + slot * 0.3, y: y(value) - 3, "text-anchor": "middle", class: "value-label" },
        svg, String(value));
      sv("text", { x: x + slot * 0.3, y: H - B + 16, "text-anchor": "middle" }, svg, name);
    });
  }

  // ---- figures ----
  function kpis(report) {
    const o = report.overall;
    const box = $("kpis");
    box.replaceChildren();
    const cards = [
      ["Conversations", String(o.conversations), `${o.open} still open`],
      ["Resolved by bot", pct(o.resolution_rate), `${o.resolved_by_bot} conversations`],
      ["Handed off", pct(o.handoff_rate), `${o.handed_off} conversations`],
      ["Checkout click-through", pct(o.click_through),
        `${o.links_clicked} of ${o.links_created} links clicked`],
      ["CSAT", o.csat.average === null ? "–" : o.csat.average.toFixed(2), `${o.csat.count} ratings`],
      ["First response", secs(o.first_response_median_s), "median"],
    ];
    for (const [label, value, note] of cards) {
      const card = el("div", { class: "kpi" }, box);
      el("div", { class: "label" }, card, label);
      el("div", { class: "value" }, card, value);
      el("div", { class: "note" }, card, note);
    }
  }

  function figures(report) {
    const table = $("figures");
    table.replaceChildren();
    const head = el("tr", {}, el("thead", {}, table));
    const columns = ["", "conversations", "resolved by bot", "handed off", "open", "links",
      "clicked", "click-through", "CSAT", "first response"];
    for (const c of columns) el("th", { scope: "col" }, head, c);
    const body = el("tbody", {}, table);
    const row = (name, s) => {
      const tr = el("tr", {}, body);
      const cells = [name, s.conversations, `${s.resolved_by_bot} (${pct(s.resolution_rate)})`,
        `${s.handed_off} (${pct(s.handoff_rate)})`, s.open, s.links_created, s.links_clicked,
        `${pct(s.click_through)} (${s.conversations_clicked}/${s.conversations_with_link})`,
        s.csat.average === null ? "–" : `${s.csat.average.toFixed(2)} (n=${s.csat.count})`,
        secs(s.first_response_median_s)];
      for (const cell of cells) el("td", {}, tr, String(cell));
    };
    row("all", report.overall);
    for (const [title, group] of [["By channel", report.by_channel], ["By prompt variant", report.by_variant]]) {
      el("td", { colspan: columns.length }, el("tr", { class: "group" }, body), title);
      for (const [name, s] of Object.entries(group)) row(name, s);
    }
  }

  function render(report) {
    const since = report.since.slice(0, 10);
    const until = report.until.slice(0, 16).replace("T", " ");
    $("period").textContent = `${report.days} days: ${since} to ${until} UTC. A conversation is `
      + `resolved by the bot once idle ${minutes(report.resolved_after_minutes)} (or closed) `
      + "with a bot answer and no handoff.";
    kpis(report);
    dailyChart(report);
    ratesChart("channel-chart", report.by_channel, "Rates by channel");
    ratesChart("variant-chart", report.by_variant, "Rates by prompt variant");
    abChart(report);
    const reasons = Object.entries(report.overall.handoff_reasons).sort((a, b) => b[1] - a[1]);
    barsChart("reasons-chart", reasons, "Handoff reasons", true);
    const csat = Object.entries(report.overall.csat.distribution).map(([k, v]) => [k, v]);
    barsChart("csat-chart", csat, "CSAT ratings", false);
    figures(report);
  }

  // ---- loading and signing in ----
  async function load() {
    $("status").textContent = "Loading…";
    try {
      const report = await api(`/analytics?days=${encodeURIComponent($("days").value)}`);
      $("login-view").hidden = true;
      $("report").hidden = false;
      render(report);
      $("status").textContent = "";
      document.body.dataset.loaded = "true";
    } catch (err) {
      if (err.status === 401) {
        $("report").hidden = true;
        $("login-view").hidden = false;
        $("status").textContent = "";
        $("username").focus();
      } else {
        $("status").textContent = `Could not load the report: ${err.message}`;
      }
    }
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    $("login-submit").disabled = true;
    try {
      await api("/login", { username: $("username").value.trim(), password: $("password").value });
      $("password").value = "";
      await load();
    } catch (err) {
      $("login-error").textContent = err.status === 401 ? "Wrong username or password."
        : `Could not sign in: ${err.message}`;
    } finally {
      $("login-submit").disabled = false;
    }
  });
  $("days").addEventListener("change", load);
  load();
})();
