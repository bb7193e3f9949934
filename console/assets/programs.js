// The Programs page: each program's state as the API reports it, one
// section per program, each asked for by the IDs the operator types (the
// API lists neither assets nor collections nor participants). Every call
// is the SDK's generated one for the route (client.ops).
import { formatUnits, sumUnits } from "./amount.js";
import { drawBands } from "./charts.js";
import { errorBox, h, money, period, render, state, table } from "./ui.js";

/** form is a section's lookup form: its fields go into the page's URL, keeping the others. */
function form(label, fields, q) {
  return h("form", {
    "aria-label": label,
    onsubmit: (e) => {
      e.preventDefault();
      const n = new URLSearchParams(q);
      for (const [k, v] of new FormData(e.target)) {
        if (String(v).trim()) n.set(k, String(v).trim());
        else n.delete(k);
      }
      location.hash = `#/programs?${n}`;
    },
  }, fields.map(([name, text, attrs = {}]) => h("label", {}, text, h("input", { type: "text", name, id: `programs-${name}`, value: q.get(name) || "", autocomplete: "off", ...attrs }))),
  h("button", { type: "submit" }, "Show"));
}

/** section runs load(out) when the URL holds one of its keys, showing what it answers or its refusal. */
async function section(out, q, keys, load) {
  if (!keys.some((k) => q.get(k))) return;
  out.replaceChildren(h("p", { class: "note" }, "Loading…"));
  try {
    await load(out);
  } catch (err) {
    out.replaceChildren(errorBox(err));
  }
}

export async function programs(q) {
  const market = h("div", { id: "market" });
  const collection = h("div", { id: "collection" });
  const feeshare = h("div", { id: "feeshare" });
  const usage = h("div", { id: "usage" });
  const deps = h("div", { id: "deps" });
  render("Programs",
    h("h2", {}, "Market: an asset and its sales"), form("Market asset", [["asset", "Asset ID"]], q), market,
    h("h2", {}, "Collections: rotation and each track's earnings"), form("Collection", [["collection", "Collection ID"], ["since", "From (inclusive)", { type: "date", value: period(q).since }], ["until", "Until (exclusive)", { type: "date", value: period(q).until }]], q), collection,
    h("h2", {}, "Fee sharing: contracts and their fees"), feeshare,
    h("h2", {}, "Usage: an epoch's statement and a what-if"),
    form("Usage epoch", [["epoch", "Epoch", { inputmode: "numeric" }], ["participants", "Participants (comma-separated IDs)"], ["compare", "Compare with epoch", { inputmode: "numeric" }]], q), usage,
    h("h2", {}, "Dependency streams"), form("Dependency streams", [["to", "Into repo or package"], ["from", "From payer"]], q), deps);
  const p = period(q);
  await Promise.all([
    section(market, q, ["asset"], (out) => showAsset(out, q.get("asset"))),
    section(collection, q, ["collection"], (out) => showCollection(out, q.get("collection"), p)),
    showFeeshare(feeshare, p).catch((err) => feeshare.replaceChildren(errorBox(err))),
    section(usage, q, ["epoch"], (out) => showUsage(out, q)),
    section(deps, q, ["to", "from"], (out) => showStreams(out, q.get("from") || undefined, q.get("to") || undefined)),
  ]);
}

/** showAsset shows an asset and its sales: the market's entries about it, from its owner's journal. */
async function showAsset(out, id) {
  const a = await state.client.ops.getMarketAsset({ path: { id } });
  const ref = `market:${id}`;
  const sales = [];
  let after;
  do {
    const page = await state.client.entries.list({ account: a.owner, after, limit: 1000 });
    for (const e of page.entries) if (e.program === "market" && e.ref === ref) sales.push(e);
    after = page.next;
  } while (after);
  const split = (a.split || []).map((x) => `${x.account} ${x.share_bp / 100}%`).join(", ") || a.owner;
  const rows = sales.map((e) => {
    // The buyer is the external account the sale's money comes from.
    const paid = e.postings.filter((x) => x.from.startsWith("@"));
    const currency = paid[0]?.currency || e.postings[0].currency;
    const amount = sumUnits(paid.map((x) => x.amount));
    return h("tr", { "data-sale": e.seq, "data-amount": amount, "data-currency": currency },
      h("td", {}, e.seq), h("td", {}, e.time.slice(0, 19).replace("T", " ")), h("td", {}, [...new Set(paid.map((x) => x.from))].join(", ")),
      h("td", { class: "num" }, money(amount, currency)), h("td", {}, e.postings.filter((x) => !x.from.startsWith("@")).length ? "secondary" : "primary"));
  });
  out.replaceChildren(
    h("dl", { class: "facts" }, h("dt", {}, "Owner"), h("dd", {}, a.owner), h("dt", {}, "Split"), h("dd", {}, split),
      h("dt", {}, "Royalty"), h("dd", {}, `${a.effective_royalty_bp / 100}%`), h("dt", {}, "Sold"), h("dd", {}, a.sold ? "yes" : "not yet")),
    sales.length ? table(`Sales of ${id}`, ["Entry", "Time (UTC)", "Buyer", { label: "Paid", num: true }, "Sale"], rows, { id: "sales-table" })
      : h("p", { class: "note" }, "No sales yet."));
}

/** entriesOf reads every entry of the period that moves money from or to one of accounts, once each, in commit order. */
async function entriesOf(accounts, p) {
  const seen = new Map();
  for (const account of new Set(accounts)) {
    let after;
    do {
      const page = await state.client.entries.list({ account, since: p.sinceISO, until: p.untilISO, after, limit: 1000 });
      for (const e of page.entries) seen.set(e.seq, e);
      after = page.next;
    } while (after);
  }
  return [...seen.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * showCollection shows a collection's rotation and what each track earned
 * from its purchases in the period: every purchase pays the track next in
 * rotation by its split, so the purchases are found in the tracks' payees'
 * journals, and a track's share is the postings whose path names it.
 */
async function showCollection(out, id, p) {
  const c = await state.client.ops.getCollection({ path: { id } });
  const tracks = await Promise.all(c.tracks.map((t) => state.client.ops.getCollectionTrack({ path: { id: t } })));
  const bought = (await entriesOf(tracks.flatMap((t) => t.split.map((x) => x.account)), p)).filter((e) => e.ref === `collection:${id}`);
  const earned = new Map();
  for (const e of bought) {
    for (const x of e.postings) {
      const m = /→ track:(\S+) \(rotation /.exec(x.path || "");
      if (m) earned.set(m[1], [...(earned.get(m[1]) || []), x.amount]);
    }
  }
  const next = c.next % Math.max(1, c.tracks.length);
  const rows = tracks.map((t, i) => {
    const sum = sumUnits(earned.get(t.id) || []);
    return h("tr", { "data-track": t.id, "data-earned": sum },
      h("td", {}, i + 1), h("td", {}, t.id, i === next ? h("strong", {}, " (next)") : ""),
      h("td", { class: "num" }, money(t.price, t.currency)), h("td", {}, t.split.map((x) => `${x.account} ${x.share_bp / 100}%`).join(", ")),
      h("td", { class: "num" }, money(sum, c.currency)));
  });
  out.replaceChildren(
    h("p", {}, `${c.id} by ${c.creator}: ${money(c.price, c.currency)}, ${c.tracks.length} tracks in rotation; the next purchase pays track ${next + 1}. ${bought.length} purchases from ${p.since} until ${p.until}.`),
    table(`Tracks of ${id}`, [{ label: "Rotation", num: false }, "Track", { label: "Price", num: true }, "Split", { label: "Earned", num: true }], rows, { id: "tracks-table" }));
}

/** showFeeshare lists the registered contracts and the fees paid to each one's payee in the period. */
async function showFeeshare(out, p) {
  const list = await state.client.ops.listFeeshareContracts({ query: { limit: 100 } });
  if (!list.contracts.length) {
    out.replaceChildren(h("p", { class: "note" }, "No contracts registered."));
    return;
  }
  const { flows } = await state.client.flows.all({ since: p.sinceISO, until: p.untilISO });
  const fees = new Map();
  for (const f of flows) {
    if (f.program !== "feeshare") continue;
    const k = `${f.to}\u0000${f.currency}`;
    fees.set(k, [...(fees.get(k) || []), f.amount]);
  }
  const feesOf = (payee) => [...fees].filter(([k]) => k.startsWith(payee + "\u0000")).map(([k, v]) => money(sumUnits(v), k.split("\u0000")[1])).join(", ") || "none";
  out.replaceChildren(h("p", { class: "note" }, `${list.total} contracts; fees are what the fee-share program paid each payee from ${p.since} until ${p.until}.`),
    table("Fee-share contracts", ["Contract", "Deployer", "Withdrawer", "Payee", { label: "Fees", num: true }],
      list.contracts.map((c) => h("tr", { "data-contract": c.contract },
        h("td", {}, h("code", {}, c.contract)), h("td", {}, h("code", {}, c.deployer)), h("td", {}, c.withdrawer ? h("code", {}, c.withdrawer) : "—"),
        h("td", {}, c.payee), h("td", { class: "num" }, feesOf(c.payee)))), { id: "feeshare-table" }));
}

/** statementOf reads an epoch's header and the lines of the participants named. */
async function statementOf(epoch, ids) {
  const first = await state.client.ops.getUsageStatement({ path: { epoch }, query: ids[0] ? { participant: ids[0] } : undefined });
  const rest = await Promise.all(ids.slice(1).map((participant) => state.client.ops.getUsageStatement({ path: { epoch }, query: { participant } })));
  return { header: first.header, digest: first.statement_sha256, rows: [first, ...rest].flatMap((s) => s.rows) };
}

/** showUsage shows an epoch's statement: the pool's accounting, each participant's metrics, score steps and amount; with compare, the same participants' lines in another epoch beside it. */
async function showUsage(out, q) {
  const epoch = Number(q.get("epoch"));
  const ids = (q.get("participants") || "").split(",").map((x) => x.trim()).filter(Boolean);
  const st = await statementOf(epoch, ids);
  const hd = st.header;
  const cur = hd.currency;
  const metrics = hd.metrics.map((m) => m.name);
  const facts = [["Period", `${hd.start.slice(0, 10)} – ${hd.end.slice(0, 10)}`], ["Formula", hd.formula], ["Revenue", money(hd.revenue, cur)], ["Carried in", money(hd.carry_in, cur)],
    ["Pool", money(hd.pool, cur)], ["Paid", money(hd.paid, cur)], ["Carried out", money(hd.carry_out, cur)], ["Participants paid", `${hd.paid_count} of ${hd.participants}`]];
  const unit = hd.score_unit;
  // Scores are integers in units of 1/score_unit (a power of ten): shown
  // by moving the decimal point in their digits, not by dividing.
  const score = (v) => formatUnits(String(v), /^10*$/.test(String(unit)) ? String(unit).length - 1 : 0);
  const head = ["Participant", ...metrics.map((m) => ({ label: `${m} (raw / clipped)`, num: true })), { label: "Base", num: true }, { label: "Smoothed", num: true },
    { label: "Streak", num: true }, { label: "Multiplier", num: true }, { label: "Score", num: true }, { label: "Rank", num: true }, { label: "Amount", num: true }];
  const rows = st.rows.map((r) => h("tr", { "data-participant": r.participant, "data-amount": r.amount },
    h("td", {}, r.participant, r.qualified ? "" : h("span", { class: "note" }, ` (${r.reason})`)),
    metrics.map((_, i) => h("td", { class: "num" }, `${r.raw[i]} / ${r.clipped[i]}`)),
    h("td", { class: "num" }, score(r.base)), h("td", { class: "num" }, score(r.smoothed)), h("td", { class: "num" }, r.streak),
    h("td", { class: "num" }, `${r.multiplier_bp / 100}%`), h("td", { class: "num" }, score(r.score)), h("td", { class: "num" }, r.rank || "—"),
    h("td", { class: "num" }, money(r.amount, cur))));
  const parts = [
    h("dl", { class: "facts", id: "usage-header", "data-paid": hd.paid }, facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    ids.length ? table(`Statement of epoch ${epoch}`, head, rows, { id: "statement-table" }) : h("p", { class: "note" }, "Name participants to see their lines."),
    h("p", { class: "note" }, "Statement digest ", h("code", {}, st.digest)),
  ];
  if (q.get("compare") && ids.length) parts.push(await compare(epoch, Number(q.get("compare")), ids, st));
  if (ids.length) parts.push(await whatIf(epoch, ids));
  out.replaceChildren(...parts);
}

/** leaves lists a configuration's values as [path, value] pairs (metrics.0.weight_bp), but the epochs and currency, which a what-if keeps. */
function leaves(v, path = []) {
  if (v !== null && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return ["epoch", "currency"].includes(path[0]) ? [] : [[path.join("."), v]];
}

/** withValue is cfg with the value at path replaced by text, read as the type the value had (amounts stay strings). */
function withValue(cfg, path, text) {
  const keys = path.split(".");
  let at = cfg;
  for (const k of keys.slice(0, -1)) at = at[k];
  const last = keys[keys.length - 1];
  const was = at[last];
  at[last] = typeof was === "number" ? Number(text) : typeof was === "boolean" ? text === "true" : text;
  return cfg;
}

/**
 * whatIf is the what-if panel: the configuration the epoch was closed
 * under, one field per value; changed and sent, the server recomputes the
 * epoch under it (writing nothing) and each participant's amount is shown
 * beside the one actually paid, with the difference.
 */
async function whatIf(epoch, ids) {
  const { versions } = await state.client.ops.getUsageConfig();
  const inForce = versions.filter((v) => v.epoch <= epoch).pop();
  if (!inForce) return h("p", { class: "note" }, `No configuration applies to epoch ${epoch}.`);
  const result = h("div", { id: "whatif-result", "aria-live": "polite" });
  const fields = leaves(inForce.config).map(([path, v]) =>
    h("label", {}, path, h("input", { type: "text", name: path, id: `whatif-${path}`, value: String(v), autocomplete: "off" })));
  const run = async (e) => {
    e.preventDefault();
    let cfg = structuredClone(inForce.config);
    for (const [path, text] of new FormData(e.target)) cfg = withValue(cfg, path, String(text).trim());
    result.replaceChildren(h("p", { class: "note" }, "Recomputing…"));
    try {
      const sim = await state.client.ops.simulateUsageEpoch({ path: { epoch }, query: { participants: ids.join(",") }, body: cfg });
      result.replaceChildren(whatIfTable(sim));
    } catch (err) {
      result.replaceChildren(errorBox(err));
    }
  };
  return h("div", {}, h("h3", {}, `What if epoch ${epoch} had another configuration?`),
    h("p", { class: "note" }, "Change a value of the configuration the epoch was closed under; the server recomputes the epoch from its stored counts and writes nothing."),
    h("form", { "aria-label": "What-if configuration", id: "whatif-form", onsubmit: run }, fields, h("button", { type: "submit" }, "Recompute")), result);
}

/** whatIfTable shows each participant's amount under the what-if beside the one paid, and the difference. */
function whatIfTable(sim) {
  const cur = sim.header.currency;
  const signed = (d) => (d.startsWith("-") ? "-" + money(d.slice(1), cur) : "+" + money(d, cur));
  const rows = sim.rows.map((r) => h("tr", { "data-participant": r.line.participant, "data-amount": r.line.amount, "data-diff": r.difference },
    h("td", {}, r.line.participant), h("td", { class: "num" }, money(r.actual, cur)), h("td", { class: "num" }, money(r.line.amount, cur)), h("td", { class: "num" }, signed(r.difference))));
  return h("div", {},
    h("p", { id: "whatif-totals" }, `Paid ${money(sim.header.paid, cur)} (actually ${money(sim.actual.paid, cur)}); carried out ${money(sim.header.carry_out, cur)} (actually ${money(sim.actual.carry_out, cur)}).`),
    table(`Epoch ${sim.epoch} under the what-if`, ["Participant", { label: "Paid", num: true }, { label: "What-if", num: true }, { label: "Difference", num: true }], rows, { id: "whatif-table" }));
}

/** compare puts the participants' amounts in epoch beside those in another epoch, with the difference. */
async function compare(epoch, other, ids, st) {
  const alt = await statementOf(other, ids);
  const cur = st.header.currency;
  const amountOf = (s, id) => s.rows.find((r) => r.participant === id)?.amount || "0";
  const rows = ids.map((id) => {
    const a = amountOf(st, id);
    const b = amountOf(alt, id);
    const diff = (BigInt(b) - BigInt(a)).toString();
    return h("tr", { "data-participant": id, "data-diff": diff },
      h("td", {}, id), h("td", { class: "num" }, money(a, cur)), h("td", { class: "num" }, money(b, alt.header.currency)),
      h("td", { class: "num" }, (diff.startsWith("-") ? "" : "+") + money(diff, cur)));
  });
  return h("div", {}, h("h3", {}, `Epoch ${epoch} beside epoch ${other}`),
    table(`Epoch ${epoch} beside epoch ${other}`, ["Participant", { label: `Epoch ${epoch}`, num: true }, { label: `Epoch ${other}`, num: true }, { label: "Difference", num: true }], rows, { id: "compare-table" }));
}

/** showStreams draws the dependency streams from a payer or into a repo (payer → recipient, width by rate) and each recipient's incoming rate. */
async function showStreams(out, from, to) {
  const st = await state.client.ops.getDepsStreams({ query: { from, to } });
  if (!st.streams.length) {
    out.replaceChildren(h("p", { class: "note" }, `No streams in epoch ${st.epoch}.`));
    return;
  }
  const cfg = await state.client.ops.getDepsConfig();
  const cur = cfg.currency;
  const byPair = new Map();
  for (const x of st.streams) {
    const k = `${x.payer}\u0000${x.path[x.path.length - 1]}`;
    byPair.set(k, [...(byPair.get(k) || []), x.stream_rate]);
  }
  // A rate is base units per second × 10^9: shown per day, exactly.
  const perDay = (rate) => money(((BigInt(rate) * 86400n) / 1_000_000_000n).toString(), cur);
  const links = [...byPair].map(([k, rates]) => {
    const [payer, dep] = k.split("\u0000");
    const amount = sumUnits(rates);
    return { source: "payer:" + payer, target: "dep:" + dep, amount, value: Number(BigInt(amount)) || 1 };
  });
  const chart = h("div", { class: "sankey", id: "streams-graph" });
  const incoming = new Map();
  for (const x of st.streams) {
    const r = x.path[x.path.length - 1];
    incoming.set(r, [...(incoming.get(r) || []), x.stream_rate]);
  }
  out.replaceChildren(h("p", { class: "note" }, `Epoch ${st.epoch} at ${st.at.slice(0, 19).replace("T", " ")} UTC; rates per day (truncated to the base unit).`), chart,
    table("Incoming rate by repo", ["Repo or package", { label: "Incoming per day", num: true }, { label: "Streams", num: true }],
      [...incoming].map(([r, rates]) => h("tr", { "data-repo": r, "data-rate": sumUnits(rates) }, h("td", {}, r), h("td", { class: "num" }, perDay(sumUnits(rates))), h("td", { class: "num" }, rates.length))),
      { id: "incoming-table" }));
  const label = (n) => n.replace(/^(payer|dep):/, "");
  drawBands(chart, links, { title: "Dependency streams", label, text: (l) => `${label(l.source)} → ${label(l.target)}: ${perDay(l.amount)} a day`, colour: (l) => l.source });
}
