// Shared pieces of the console's pages: element building, tables, errors,
// and the page state (the client and the currencies' decimals).
import { formatAmount } from "./amount.js";

export const state = { client: null, decimals: new Map(), sub: null };

/** h builds an element: h("td", {class: "num"}, "12.00"). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const money = (units, currency) => formatAmount(units, currency, (c) => state.decimals.get(c));

export function table(caption, head, rows, attrs = {}) {
  return h("div", { class: "table-wrap" },
    h("table", attrs,
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col", class: c.num ? "num" : undefined }, c.label || c)))),
      h("tbody", {}, rows)));
}

export function errorBox(err) {
  const code = err && err.code ? ` (${err.code})` : "";
  return h("p", { class: "error", role: "alert", "data-error-code": err && err.code }, `${err && err.message ? err.message : err}${code}`);
}

export function announce(text) {
  document.getElementById("status").textContent = text;
}

/** render replaces the page with a heading and content, focusing the heading for screen readers. */
export function render(title, ...content) {
  const main = document.getElementById("main");
  delete main.dataset.loaded;
  state.sub?.close();
  state.sub = null;
  document.title = `${title} · Tributary console`;
  const h1 = h("h1", { tabindex: "-1" }, title);
  main.replaceChildren(h1, ...content);
  h1.focus();
}

export function params() {
  const [path, q] = location.hash.slice(1).split("?");
  return { path: path || "/", q: new URLSearchParams(q || "") };
}

/** period reads since/until from the URL; by default the last 30 days. */
export function period(q) {
  const until = q.get("until") || new Date(Date.now() + 86400e3).toISOString().slice(0, 10);
  const since = q.get("since") || new Date(Date.parse(until) - 31 * 86400e3).toISOString().slice(0, 10);
  const iso = (d) => (d.length === 10 ? d + "T00:00:00Z" : d);
  return { since, until, sinceISO: iso(since), untilISO: iso(until) };
}

export function periodForm(route, q, extra = []) {
  const p = period(q);
  const since = h("input", { type: "date", name: "since", id: "since", value: p.since, required: true });
  const until = h("input", { type: "date", name: "until", id: "until", value: p.until, required: true });
  return h("form", {
    "aria-label": "Period",
    onsubmit: (e) => {
      e.preventDefault();
      const n = new URLSearchParams(new FormData(e.target));
      location.hash = `#${route}?${n}`;
    },
  }, h("label", {}, "From (inclusive)", since), h("label", {}, "Until (exclusive)", until), extra, h("button", { type: "submit" }, "Show"));
}

