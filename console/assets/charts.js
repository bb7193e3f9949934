// The console's charts: Sankey bands (flows, dependency streams), an
// account's balance over time, and the payout batches' table. Widths and
// heights are numbers (a pixel needs no more); every label and table cell
// is formatted from the exact base-unit string.
import { errorBox, h, money, state, table } from "./ui.js";

const svgNS = "http://www.w3.org/2000/svg";

/** s builds an SVG element. */
function s(tag, attrs, ...kids) {
  const n = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  n.append(...kids);
  return n;
}

/**
 * drawBands lays links ({source, target, amount, value}) out as a Sankey
 * diagram in el: each band is a focusable button named by text(link),
 * selected by click, Enter or Space (onSelect, when given).
 */
export function drawBands(el, links, { title, label, text, colour, onSelect }) {
  const names = [...new Set(links.flatMap((l) => [l.source, l.target]))];
  const width = Math.max(640, Math.min(1100, el.clientWidth || 900));
  const height = Math.max(320, names.length * 28);
  const { nodes, links: laid } = d3.sankey().nodeId((d) => d.name).nodeWidth(14).nodePadding(14).extent([[1, 1], [width - 1, height - 1]])({
    nodes: names.map((name) => ({ name })),
    links: links.map((l) => ({ ...l, orig: l })),
  });
  const palette = d3.scaleOrdinal(["#1f4e79", "#7b3f00", "#2e6b30", "#6a1b9a", "#9a3412", "#155e75"]);
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": title });
  const path = d3.sankeyLinkHorizontal();
  for (const l of laid) {
    const words = text(l.orig);
    const p = s("path", {
      class: "band", d: path(l), stroke: palette(colour(l.orig)), "stroke-width": Math.max(1, l.width),
      tabindex: "0", role: "button", "aria-label": words, "data-band": `${label(l.source.name)}|${label(l.target.name)}`, "data-amount": l.amount,
    }, s("title", {}, words));
    const select = () => {
      svg.querySelectorAll("path.band.selected").forEach((n) => n.classList.remove("selected"));
      p.classList.add("selected");
      onSelect?.(l.orig, words);
    };
    p.addEventListener("click", select);
    p.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(); } });
    svg.append(p);
  }
  for (const n of nodes) {
    svg.append(s("rect", { x: n.x0, y: n.y0, width: n.x1 - n.x0, height: Math.max(1, n.y1 - n.y0) }));
    const left = n.x0 < width / 2;
    svg.append(s("text", { x: left ? n.x1 + 6 : n.x0 - 6, y: (n.y0 + n.y1) / 2, dy: "0.35em", "text-anchor": left ? "start" : "end" }, label(n.name)));
  }
  el.replaceChildren(svg);
}

/** The most entries the balance chart reads (10 pages). */
const chartEntriesMax = 10_000;

/**
 * balanceChart draws, into el, the account's posted balance in each
 * currency after every entry since p.since: it reads the account's
 * entries from then until now and walks back from today's posted balance,
 * so each point is exact without reading the account's whole history.
 */
export async function balanceChart(el, name, acct, p) {
  const deltas = [];
  let after;
  try {
    do {
      const page = await state.client.entries.list({ account: name, since: p.sinceISO, after, limit: 1000 });
      for (const e of page.entries) {
        const d = new Map();
        for (const x of e.postings) {
          if (x.to === name) d.set(x.currency, (d.get(x.currency) || 0n) + BigInt(x.amount));
          if (x.from === name) d.set(x.currency, (d.get(x.currency) || 0n) - BigInt(x.amount));
        }
        deltas.push({ seq: e.seq, time: e.time, d });
      }
      after = page.next;
    } while (after && deltas.length < chartEntriesMax);
  } catch (err) {
    el.replaceChildren(errorBox(err));
    return;
  }
  if (after) {
    el.replaceChildren(h("p", { class: "note" }, `More than ${chartEntriesMax} entries since ${p.since}: choose a later start to draw the balance.`));
    return;
  }
  const charts = acct.balances.map((b) => currencyChart(b.currency, BigInt(b.posted), deltas, p)).filter(Boolean);
  el.replaceChildren(...(charts.length ? charts : [h("p", { class: "note" }, "No balance to draw.")]));
}

/** currencyChart draws one currency's balance as steps, from its value today walked back through deltas. */
function currencyChart(currency, now, deltas, p) {
  const until = Date.parse(p.untilISO);
  let bal = now;
  const points = [];
  for (let i = deltas.length - 1; i >= 0; i--) {
    const d = deltas[i].d.get(currency) || 0n;
    if (Date.parse(deltas[i].time) < until && d !== 0n) points.push({ time: deltas[i].time, seq: deltas[i].seq, balance: bal });
    bal -= d;
  }
  const start = bal; // the balance before the first entry since p.since
  points.reverse();
  if (!points.length) return null;
  const last = points[points.length - 1].balance;
  const all = [start, ...points.map((x) => x.balance)];
  const lo = all.reduce((a, b) => (b < a ? b : a));
  const hi = all.reduce((a, b) => (b > a ? b : a));
  const width = 640;
  const height = 160;
  const t0 = Date.parse(p.sinceISO);
  const x = (t) => Math.round(((t - t0) / Math.max(1, until - t0)) * (width - 2)) + 1;
  // Heights are scaled in BigInt to 1/1000 of the range, then drawn.
  const y = (v) => height - 1 - Number(hi === lo ? 0n : ((v - lo) * 1000n) / (hi - lo)) * (height - 2) / 1000;
  let d = `M ${x(t0)} ${y(start)}`;
  for (const pt of points) d += ` H ${x(Date.parse(pt.time))} V ${y(pt.balance)}`;
  d += ` H ${x(until)}`;
  const words = [`Posted ${currency} balance from ${p.since} until ${p.until}: `, h("span", { class: "start" }, money(start.toString(), currency)), " at the start, ",
    h("span", { class: "end" }, money(last.toString(), currency)), ` at the end, ${points.length} changes.`];
  const caption = h("figcaption", {}, words);
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": caption.textContent, class: "balance" },
    s("path", { d, fill: "none", stroke: "#1f4e79", "stroke-width": "2" }));
  const rows = points.slice(-20).reverse().map((pt) => h("tr", { "data-balance": pt.balance.toString() },
    h("td", {}, pt.seq), h("td", {}, pt.time.slice(0, 19).replace("T", " ")), h("td", { class: "num" }, money(pt.balance.toString(), currency))));
  return h("figure", { class: "chart", "data-currency": currency, "data-start": start.toString(), "data-end": last.toString() },
    caption, h("div", { class: "chart-wrap" }, svg),
    h("details", {}, h("summary", {}, `The last ${rows.length} changes`),
      table(`${currency} balance after each entry`, ["Entry", "Time (UTC)", { label: "Balance", num: true }], rows)));
}

/** payoutBatches lists the newest payout batches with their totals and lines' states. */
export async function payoutBatches(el) {
  let list;
  try {
    list = (await state.client.ops.listPayoutBatches({ query: { limit: 20 } })).batches;
  } catch (err) {
    el.replaceChildren(errorBox(err));
    return;
  }
  if (!list.length) {
    el.replaceChildren(h("p", { class: "note" }, "No payout batches."));
    return;
  }
  el.replaceChildren(table("Payout batches", ["Batch", "State", { label: "Total", num: true }, { label: "Lines", num: true }, { label: "Paid", num: true }, { label: "Failed", num: true }, "Created (UTC)"],
    list.map((b) => h("tr", { "data-batch": b.id, "data-total": b.total },
      h("td", {}, b.id), h("td", { "data-state": b.state }, b.state), h("td", { class: "num" }, money(b.total, b.currency)),
      h("td", { class: "num" }, b.lines), h("td", { class: "num" }, b.paid), h("td", { class: "num" }, b.failed),
      h("td", {}, b.created.slice(0, 19).replace("T", " ")))), { id: "batches-table" }));
}
