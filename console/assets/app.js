// The console: a few pages over the public API (/v1), through the same
// client package as any other program (sdk.js is sdk/typescript/index.js).
// The API decides what a token may see; a refusal is shown as the API
// worded it, and the console adds no rules of its own.
import { createClient } from "./sdk.js";
import { parseDecimal, sumUnits } from "./amount.js";
import { announce, errorBox, h, money, params, period, periodForm, render, state, table } from "./ui.js";
import { balanceChart, drawBands, payoutBatches } from "./charts.js";
import { programs } from "./programs.js";

const TOKEN = "tributary.token";
const main = document.getElementById("main");

// ---- pages ------------------------------------------------------------

function signIn() {
  const token = h("input", { type: "password", id: "token", name: "token", required: true, autocomplete: "off", "aria-describedby": "token-help" });
  const account = h("input", { type: "text", id: "account", name: "account", autocomplete: "off", placeholder: "artist:1" });
  const out = h("div");
  render("Sign in",
    h("form", {
      id: "signin",
      onsubmit: async (e) => {
        e.preventDefault();
        sessionStorage.setItem(TOKEN, token.value.trim());
        if (account.value.trim()) sessionStorage.setItem(TOKEN + ".account", account.value.trim());
        else sessionStorage.removeItem(TOKEN + ".account");
        if (await connect(out)) location.hash = account.value.trim() ? `#/account/${encodeURIComponent(account.value.trim())}` : "#/overview";
      },
    },
    h("label", {}, "API token", token),
    h("label", {}, "Your account (payee tokens)", account),
    h("button", { type: "submit" }, "Sign in")),
    h("p", { id: "token-help", class: "note" }, "The token stays in this tab (sessionStorage) and is sent only to this server. What it may see is the API's decision: an admin or reader token sees everything, a payee token only its own accounts."),
    out);
}

/** connect makes the client of the stored token and learns the currencies' decimals. */
async function connect(out) {
  const token = sessionStorage.getItem(TOKEN);
  if (!token) return false;
  state.client = createClient({ token });
  try {
    const cs = await state.client.currencies.list();
    state.decimals = new Map(cs.currencies.map((c) => [c.code, c.decimals]));
    document.getElementById("signout").hidden = false;
    return true;
  } catch (err) {
    sessionStorage.removeItem(TOKEN);
    state.client = null;
    out?.replaceChildren(errorBox(err));
    return false;
  }
}

async function overview(q) {
  const p = period(q);
  const totals = h("div", { id: "totals" }, h("p", { class: "note" }, "Loading…"));
  const hoursEl = h("div", { id: "hours", class: "hours" });
  const pending = h("div", { id: "pending" }, h("p", { class: "note" }, "Loading…"));
  const batches = h("div", { id: "batches" }, h("p", { class: "note" }, "Loading…"));
  const events = h("ol", { class: "events", id: "events", "aria-live": "polite" });
  render("Overview", periodForm("/overview", q),
    h("h2", {}, "Totals by program and currency"), totals,
    h("h2", {}, "Entries per hour"), hoursEl,
    h("h2", {}, "Pending withdrawals"), pending,
    h("h2", {}, "Payout batches"), batches,
    h("h2", {}, "Live events"), h("p", { class: "note", id: "events-note" }, "Connecting to the event stream…"), events);
  try {
    const { flows, entries, hours } = await state.client.flows.all({ since: p.sinceISO, until: p.untilISO });
    drawHours(hoursEl, hours);
    const by = new Map();
    for (const f of flows) {
      const k = `${f.program || "(direct)"}\u0000${f.currency}`;
      const t = by.get(k) || { program: f.program || "(direct)", currency: f.currency, amounts: [], postings: 0 };
      t.amounts.push(f.amount);
      t.postings += f.postings;
      by.set(k, t);
    }
    const rows = [...by.values()].sort((a, b) => (a.program + a.currency).localeCompare(b.program + b.currency))
      .map((t) => h("tr", {}, h("td", {}, t.program), h("td", {}, t.currency), h("td", { class: "num" }, money(sumUnits(t.amounts), t.currency)), h("td", { class: "num" }, t.postings)));
    totals.replaceChildren(
      h("p", { class: "note" }, `${entries} entries from ${p.since} until ${p.until}. A total is every posting the program made, summed.`),
      table("Totals by program and currency", ["Program", "Currency", { label: "Moved", num: true }, { label: "Postings", num: true }], rows, { id: "totals-table" }));
  } catch (err) {
    totals.replaceChildren(errorBox(err));
  }
  try {
    const ws = await state.client.withdrawals.list({ state: "pending", limit: 100 });
    pending.replaceChildren(withdrawalTable(ws.withdrawals));
  } catch (err) {
    pending.replaceChildren(errorBox(err));
  }
  await payoutBatches(batches);
  const note = document.getElementById("events-note");
  state.sub = state.client.events.subscribe((ev) => {
    note.textContent = `Live: last event ${ev.id}.`;
    events.prepend(h("li", { "data-event": ev.id, "data-type": ev.type }, h("code", {}, `#${ev.id} ${ev.type}`), " ", describeEvent(ev)));
    while (events.children.length > 20) events.lastChild.remove();
    // A batch made, paid or failed elsewhere shows in the table as it happens.
    if (ev.type === "payout.batch") payoutBatches(batches);
  }, { tail: 20, onError: (err) => note.replaceChildren(errorBox(err)) });
}

/** drawHours draws entries per hour as bars, one per hour that has entries. */
function drawHours(el, hours) {
  if (!hours.length) {
    el.replaceChildren(h("p", { class: "note" }, "No entries in this period."));
    return;
  }
  const max = Math.max(...hours.map((x) => x.entries));
  const busiest = hours.find((x) => x.entries === max);
  const bar = 8;
  const height = 80;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", String(hours.length * (bar + 2)));
  svg.setAttribute("height", String(height));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Entries per hour: ${hours.length} hours with entries, at most ${max} (${busiest.hour.slice(0, 13).replace("T", " ")}:00 UTC)`);
  hours.forEach((x, i) => {
    const r = document.createElementNS(ns, "rect");
    const hgt = Math.max(1, Math.round((x.entries / max) * height));
    r.setAttribute("x", String(i * (bar + 2)));
    r.setAttribute("y", String(height - hgt));
    r.setAttribute("width", String(bar));
    r.setAttribute("height", String(hgt));
    r.setAttribute("data-entries", String(x.entries));
    const title = document.createElementNS(ns, "title");
    title.textContent = `${x.hour.slice(0, 13).replace("T", " ")}:00 UTC: ${x.entries} entries`;
    r.append(title);
    svg.append(r);
  });
  el.replaceChildren(svg, h("p", { class: "note" }, `Hours without entries are left out; the busiest had ${max}.`));
}

function describeEvent(ev) {
  const d = ev.data || {};
  if (ev.type === "withdrawal.changed") return `${d.account}: ${money(d.amount, d.currency)} ${d.state}`;
  if (ev.type === "payout.batch") return `payout batch ${d.id} ${d.action}: ${d.lines} lines, ${money(d.total, d.currency)}${d.withdrawals ? `, ${d.withdrawals} withdrawals ${d.withdrawal_state}` : ""}`;
  if (ev.type === "entry.committed") return `entry ${d.seq} ${d.kind}${d.program ? " by " + d.program : ""}, ${d.postings} postings`;
  return JSON.stringify(d);
}

function withdrawalTable(list) {
  if (!list.length) return h("p", { class: "note" }, "None.");
  return table("Withdrawals", ["ID", "Account", { label: "Amount", num: true }, "Destination", "State", "Requested"],
    list.map((w) => h("tr", { "data-withdrawal": w.id },
      h("td", {}, h("code", {}, w.id)), h("td", {}, h("a", { href: `#/account/${encodeURIComponent(w.account)}` }, w.account)),
      h("td", { class: "num" }, money(w.amount, w.currency)), h("td", {}, w.destination),
      h("td", { class: `state-${w.state}`, "data-state": w.state }, w.state), h("td", {}, w.created.slice(0, 19).replace("T", " ")))));
}

async function account(name, q) {
  if (!name) {
    const input = h("input", { type: "text", id: "open-account", name: "account", required: true, value: sessionStorage.getItem(TOKEN + ".account") || "" });
    render("Account", h("form", { onsubmit: (e) => { e.preventDefault(); location.hash = `#/account/${encodeURIComponent(input.value.trim())}`; } },
      h("label", {}, "Account name", input), h("button", { type: "submit" }, "Open")));
    return;
  }
  const balances = h("div", { id: "balances" }, h("p", { class: "note" }, "Loading…"));
  const income = h("div", { id: "income" });
  const postings = h("div", { id: "postings" });
  const withdrawals = h("div", { id: "withdrawals" });
  const form = h("div", { id: "withdraw" });
  const chart = h("div", { id: "balance-chart" });
  render(`Account ${name}`, h("h2", {}, "Balance"), balances, h("h2", {}, "Withdrawals"), withdrawals, form,
    h("h2", {}, "Balance over time, income by source and program"), periodForm(`/account/${encodeURIComponent(name)}`, q), chart, income,
    h("h2", {}, "Postings"), postings);
  let acct;
  try {
    acct = await state.client.accounts.get(name);
  } catch (err) {
    balances.replaceChildren(errorBox(err));
    return;
  }
  const showBalances = (a) => balances.replaceChildren(a.balances.length === 0 ? h("p", { class: "note" }, "No money has moved through this account.") :
    table("Balances", ["Currency", { label: "Available", num: true }, { label: "Pending withdrawal", num: true }, { label: "Posted", num: true }],
      a.balances.map((b) => h("tr", { "data-currency": b.currency },
        h("td", {}, b.currency), h("td", { class: "num", "data-available": b.available }, money(b.available, b.currency)),
        h("td", { class: "num" }, money(b.pending, b.currency)), h("td", { class: "num" }, money(b.posted, b.currency)))), { id: "balance-table" }));
  showBalances(acct);
  const refreshWithdrawals = async () => {
    try {
      const ws = await state.client.withdrawals.list({ account: name, limit: 100 });
      withdrawals.replaceChildren(withdrawalTable(ws.withdrawals));
    } catch (err) {
      withdrawals.replaceChildren(errorBox(err));
    }
  };
  await refreshWithdrawals();
  await balanceChart(chart, name, acct, period(q));
  await showIncome(income, name, period(q));
  if (!acct.external) form.replaceChildren(withdrawForm(name, acct, refreshWithdrawals, showBalances));
  await listPostings(postings, { account: name }, (e, p) => p.from === name || p.to === name, { all: false });
  // Live: the account's own events (the API filters them by account=,
  // which a payee token may ask for its own accounts), listed as they
  // arrive; the withdrawals and balance follow them.
  const live = h("p", { class: "note", id: "live-note" }, "");
  const events = h("ol", { class: "events", id: "account-events", "aria-live": "polite", "aria-label": `Events of ${name}` });
  withdrawals.before(live);
  postings.after(h("h2", {}, "Live events"), events);
  state.sub = state.client.events.subscribe(async (ev) => {
    events.prepend(h("li", { "data-event": ev.id, "data-type": ev.type }, h("code", {}, `#${ev.id} ${ev.type}`), " ", describeEvent(ev)));
    while (events.children.length > 20) events.lastChild.remove();
    if (ev.type === "withdrawal.changed") {
      announce(`Withdrawal ${ev.data.id} is ${ev.data.state}`);
      await refreshWithdrawals();
    } else if (ev.type === "entry.committed") {
      // A payout batch's lines come in one payout.batch event that names
      // no account (so this stream leaves it out); the batch's entry,
      // which moves this account's money, does come: its line may be here.
      await refreshWithdrawals();
    }
    showBalances(await state.client.accounts.get(name));
  }, { tail: 5, account: name, onOpen: () => { live.textContent = "Live: changes show as they happen."; live.dataset.live = "open"; }, onError: (err) => {
    delete live.dataset.live;
    live.textContent = err.status === 401 || err.status === 403
      ? `No live updates (${err.code}): ${err.message}. Reload to see changes.`
      : "The live connection dropped; reconnecting…";
  } });
}

/** showIncome lists what came into the account in the period, by source and program. */
async function showIncome(el, name, p) {
  let flowList;
  try {
    flowList = (await state.client.flows.all({ account: name, since: p.sinceISO, until: p.untilISO })).flows.filter((f) => f.to === name);
  } catch (err) {
    el.replaceChildren(errorBox(err));
    return;
  }
  if (!flowList.length) {
    el.replaceChildren(h("p", { class: "note" }, `Nothing came in from ${p.since} until ${p.until}.`));
    return;
  }
  const byCurrency = new Map();
  for (const f of flowList) byCurrency.set(f.currency, [...(byCurrency.get(f.currency) || []), f.amount]);
  const total = [...byCurrency].map(([c, list]) => money(sumUnits(list), c)).join(", ");
  el.replaceChildren(h("p", {}, `From ${p.since} until ${p.until}: ${total}.`),
    table("Income by source and program", ["Source", "Program", { label: "Amount", num: true }, { label: "Postings", num: true }],
      flowList.map((f) => h("tr", { "data-amount": f.amount, "data-currency": f.currency },
        h("td", {}, f.from), h("td", {}, f.program || "(direct)"), h("td", { class: "num" }, money(f.amount, f.currency)), h("td", { class: "num" }, f.postings))),
      { id: "income-table" }));
}

function withdrawForm(name, acct, refresh, showBalances) {
  const currencies = acct.balances.map((b) => b.currency);
  if (!currencies.length) return h("span");
  const amount = h("input", { type: "text", inputmode: "decimal", id: "withdraw-amount", name: "amount", required: true, placeholder: "10.00" });
  const currency = h("select", { id: "withdraw-currency", name: "currency" }, currencies.map((c) => h("option", { value: c }, c)));
  const dest = h("input", { type: "text", id: "withdraw-destination", name: "destination", placeholder: "@payout" });
  const out = h("div", { id: "withdraw-result" });
  return h("div", {},
    h("form", {
      "aria-label": "Request a withdrawal",
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const units = parseDecimal(amount.value, state.decimals.get(currency.value));
          const w = await state.client.withdrawals.request({ account: name, amount: units, currency: currency.value, destination: dest.value.trim() || undefined });
          out.replaceChildren(h("p", { role: "status" }, `Requested ${money(w.amount, w.currency)}: withdrawal `, h("code", {}, w.id), ` is ${w.state}.`));
          await refresh();
          showBalances(await state.client.accounts.get(name));
        } catch (err) {
          out.replaceChildren(errorBox(err));
        }
      },
    }, h("label", {}, "Amount", amount), h("label", {}, "Currency", currency), h("label", {}, "Destination (external account)", dest), h("button", { type: "submit", id: "withdraw-submit" }, "Request withdrawal")),
    out);
}

/**
 * listPostings lists, into el, the postings of the entries that q selects
 * which keep(entry, posting) accepts, with their paths and their sum by
 * currency. With all, it reads every page (a Sankey band, whose sum must be
 * the band's); otherwise one page of 100 entries at a time, with a button
 * for the next (an account, whose history may be long).
 */
async function listPostings(el, q, keep, { all = true } = {}) {
  el.replaceChildren(h("p", { class: "note" }, "Loading…"));
  const body = h("tbody");
  const sums = new Map();
  const total = h("p", { id: "postings-total" });
  const more = h("button", { type: "button", id: "postings-more", hidden: true }, "Show more postings");
  let after;
  let count = 0;
  const readPage = async () => {
    const page = await state.client.entries.list({ ...q, after, limit: all ? 1000 : 100 });
    for (const e of page.entries) {
      for (const p of e.postings) {
        if (!keep(e, p)) continue;
        count++;
        sums.set(p.currency, [...(sums.get(p.currency) || []), p.amount]);
        body.append(h("tr", { "data-amount": p.amount },
          h("td", {}, e.seq), h("td", {}, e.time.slice(0, 19).replace("T", " ")), h("td", {}, e.program || e.kind),
          h("td", {}, p.from), h("td", {}, p.to), h("td", { class: "num" }, money(p.amount, p.currency)), h("td", { class: "path" }, p.path || "")));
      }
    }
    after = page.next;
    const sum = [...sums].map(([c, list]) => money(sumUnits(list), c)).join(", ") || "nothing";
    total.textContent = `${after ? "The first " : ""}${count} postings, ${sum}.`;
    more.hidden = !after;
    return Boolean(after);
  };
  more.addEventListener("click", async () => {
    try {
      await readPage();
    } catch (err) {
      more.replaceWith(errorBox(err));
    }
  });
  try {
    while ((await readPage()) && all);
  } catch (err) {
    el.replaceChildren(errorBox(err));
    return;
  }
  const head = ["Entry", "Time (UTC)", "Program", "From", "To", { label: "Amount", num: true }, "Explanation path"];
  el.replaceChildren(total,
    h("div", { class: "table-wrap" }, h("table", { id: "postings-table" },
      h("caption", { class: "visually-hidden" }, "Postings"),
      h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col", class: c.num ? "num" : undefined }, c.label || c)))),
      body)),
    more);
}

async function flows(q) {
  const p = period(q);
  const currencies = [...state.decimals.keys()];
  const cur = q.get("currency") || "USD";
  const select = h("select", { name: "currency", id: "flow-currency" }, currencies.map((c) => h("option", { value: c, selected: c === cur }, c)));
  const chart = h("div", { class: "sankey", id: "sankey" }, h("p", { class: "note" }, "Loading…"));
  const detail = h("div", { id: "band-postings" });
  render("Flows", periodForm("/flows", q, [h("label", {}, "Currency", select)]),
    h("p", { class: "note" }, "Sources → programs → rules → payees. A band's width is its amount; select one (click, or Tab then Enter) to list the postings behind it."),
    chart, h("h2", { id: "band-title" }, "Postings of a band"), detail);
  let flowList;
  try {
    flowList = (await state.client.flows.all({ since: p.sinceISO, until: p.untilISO, currency: cur })).flows;
  } catch (err) {
    chart.replaceChildren(errorBox(err));
    return;
  }
  if (!flowList.length) {
    chart.replaceChildren(h("p", { class: "note" }, `No ${cur} moved from ${p.since} until ${p.until}.`));
    return;
  }
  drawSankey(chart, flowList, cur, (band) => {
    document.getElementById("band-title").textContent = `Postings of ${band.label}`;
    const mine = (e, x) => (e.program || "") === band.program && x.currency === cur;
    const keep = {
      in: (e, x) => mine(e, x) && x.from === band.account,
      rule: (e, x) => mine(e, x) && ruleOf(x.path || "", x.to) === band.rule,
      out: (e, x) => mine(e, x) && x.to === band.account && ruleOf(x.path || "", x.to) === band.rule,
    }[band.side];
    // A band into a rule has no one account: it lists the period's entries.
    const q = band.side === "rule" ? { since: p.sinceISO, until: p.untilISO } : { account: band.account, since: p.sinceISO, until: p.untilISO };
    listPostings(detail, q, keep);
  });
}

/**
 * ruleOf names the rule of a program that made a posting from its path,
 * as the API's flows do (api.Rule, whose table test has the cases): the
 * step before the payee, or the last step, cut before its first figure.
 */
function ruleOf(path, to) {
  const steps = path.split(" → ");
  if (steps.length < 2) return "";
  let step = steps[steps.length - 1];
  if (step === to) step = steps[steps.length - 2];
  const words = step.split(/\s+/).filter(Boolean);
  const cut = words.findIndex((w) => /[0-9]/.test(w));
  return (cut < 0 ? words : words.slice(0, cut)).join(" ");
}

/** drawSankey draws sources → programs → rules → payees; every band carries its exact amount. A flow without a rule goes from its program straight to its payee. */
function drawSankey(el, flowList, cur, onSelect) {
  const links = new Map();
  const add = (side, source, target, account, f) => {
    const k = `${source}\u0000${target}`;
    const l = links.get(k) || { source, target, side, account, program: f.program, rule: f.rule || "", amounts: [] };
    l.amounts.push(f.amount);
    links.set(k, l);
  };
  const prog = (f) => "program:" + (f.program || "(direct)");
  const rule = (f) => `rule:${f.rule} (${f.program || "direct"})`;
  for (const f of flowList) {
    add("in", "from:" + f.from, prog(f), f.from, f);
    if (f.rule) {
      add("rule", prog(f), rule(f), "", f);
      add("out", rule(f), "to:" + f.to, f.to, f);
    } else add("out", prog(f), "to:" + f.to, f.to, f);
  }
  const ls = [...links.values()].map((l) => {
    const amount = sumUnits(l.amounts);
    // The layout needs numbers: the band's width is proportional to the
    // amount (to the pixel); the exact amount is the band's label.
    return { ...l, amount, value: Number(BigInt(amount)) };
  });
  const label = (name) => name.replace(/^(from|to|program|rule):/, "");
  drawBands(el, ls, {
    title: `Flows of ${cur}`,
    label,
    text: (l) => `${label(l.source)} → ${label(l.target)}: ${money(l.amount, cur)}`,
    colour: (l) => label(l.side === "in" ? l.target : l.source),
    onSelect: (l, text) => onSelect({ side: l.side, account: l.account, program: l.program || "", rule: l.rule, label: text, amount: l.amount }),
  });
}

// ---- routing ----------------------------------------------------------

async function route() {
  const { path, q } = params();
  for (const a of document.querySelectorAll("nav a")) {
    if (path.startsWith(a.getAttribute("href").slice(1))) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (!state.client && !(await connect())) return signIn();
  const hash = location.hash;
  let page;
  if (path.startsWith("/account")) page = account(decodeURIComponent(path.slice("/account/".length)), q);
  else if (path === "/flows") page = flows(q);
  else if (path === "/overview") page = overview(q);
  else if (path === "/programs") page = programs(q);
  else {
    location.hash = "#/overview";
    return;
  }
  await page;
  // Marks the page as drawn (for tests and scripts) unless another
  // route began meanwhile.
  if (location.hash === hash) main.dataset.loaded = hash;
}

document.getElementById("signout").addEventListener("click", () => {
  sessionStorage.clear();
  state.client = null;
  document.getElementById("signout").hidden = true;
  location.hash = "#/signin";
  route();
});
window.addEventListener("hashchange", route);
route();
