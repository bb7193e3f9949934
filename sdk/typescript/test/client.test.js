// Runs against a real server: the Go test TestTypeScriptSDK (package
// console) starts one with the demo's data and runs these with
// TRIBUTARY_URL, TRIBUTARY_ADMIN_TOKEN and TRIBUTARY_PAYEE_TOKEN (a payee
// of "collaborator") set: go test ./console -run TestTypeScriptSDK
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient, TributaryError } from "../index.js";

const url = process.env.TRIBUTARY_URL;
const skip = url ? false : "no server: run go test ./console -run TestTypeScriptSDK";
const admin = () => createClient({ baseUrl: url, token: process.env.TRIBUTARY_ADMIN_TOKEN });
const payee = () => createClient({ baseUrl: url, token: process.env.TRIBUTARY_PAYEE_TOKEN });

/** next resolves with the first event (after those already seen) that match accepts. */
function collect(client, after, stopWhen, tail, account) {
  return new Promise((resolve, reject) => {
    const seen = [];
    const timer = setTimeout(() => { sub.close(); reject(new Error(`no matching event; saw ${seen.map((e) => e.id)}`)); }, 20000);
    const sub = client.events.subscribe((ev) => {
      seen.push(ev);
      if (stopWhen(ev, seen)) {
        clearTimeout(timer);
        sub.close();
        resolve({ seen, last: sub.lastEventId });
      }
    }, { after, tail, account, retryMs: 50, onError: (err) => { if (err.status === 401 || err.status === 403) { clearTimeout(timer); reject(err); } } });
  });
}

test("reads currencies and accounts, typed by the API's schemas", { skip }, async () => {
  const cs = await admin().currencies.list();
  assert.deepEqual(cs.currencies.find((c) => c.code === "ETH"), { code: "ETH", decimals: 18 });
  const acct = await admin().accounts.get("collaborator");
  assert.equal(acct.account, "collaborator");
  assert.match(acct.balances.find((b) => b.currency === "ETH").available, /^[0-9]+$/);
});

test("a refusal is a TributaryError with the API's code", { skip }, async () => {
  await assert.rejects(payee().accounts.get("owner"), (err) => err instanceof TributaryError && err.status === 403 && err.code === "forbidden");
  await assert.rejects(payee().flows.list({}), (err) => err.code === "forbidden");
  const bad = createClient({ baseUrl: url, token: "trb_not_a_token" });
  await assert.rejects(bad.accounts.get("owner"), (err) => err.status === 401 && err.code === "unauthenticated");
});

test("flows.all sums what the postings say, exactly", { skip }, async () => {
  const { flows } = await admin().flows.all({ currency: "ETH" });
  const toOwner = flows.filter((f) => f.to === "owner").reduce((t, f) => t + BigInt(f.amount), 0n);
  let fromEntries = 0n;
  let after;
  for (;;) {
    const page = await admin().entries.list({ account: "owner", after, limit: 1000 });
    for (const e of page.entries) for (const p of e.postings) if (p.to === "owner" && p.currency === "ETH") fromEntries += BigInt(p.amount);
    if (!page.next) break;
    after = page.next;
  }
  assert.ok(toOwner > 2n ** 64n, "the demo's amounts are past 2^64");
  assert.equal(toOwner, fromEntries);
});

test("events.subscribe resumes after the last event without gaps or repeats", { skip }, async () => {
  // The first three events, then the following three from where it left off.
  const first = await collect(admin(), undefined, (_, seen) => seen.length === 3);
  const second = await collect(admin(), first.last, (_, seen) => seen.length === 3);
  const ids = [...first.seen, ...second.seen].map((e) => Number(e.id));
  assert.deepEqual(ids, [1, 2, 3, 4, 5, 6]);
  assert.equal(first.seen[0].type, "entry.committed");
  assert.equal(typeof first.seen[0].data.seq, "number");
});

test("events.subscribe with tail starts at the newest events", { skip }, async () => {
  const all = await collect(admin(), undefined, (ev, seen) => seen.length === 3, undefined);
  const { seen } = await collect(admin(), undefined, () => true, 1);
  assert.ok(Number(seen[0].id) >= Number(all.last), `tail 1 began at ${seen[0].id}, before the newest`);
});

test("a payee requests a withdrawal, idempotently, and the stream reports it posted", { skip }, async () => {
  const key = "sdk-test-withdrawal";
  const w = await payee().withdrawals.request({ account: "collaborator", amount: "1000000000000000000", currency: "ETH" }, key);
  // A payee's keys live in a space of its own: the withdrawal's ID is the
  // key under the payee's prefix (~p…~key), which the platform names it by.
  assert.ok(w.id.endsWith("~" + key), w.id);
  assert.equal(w.state, "pending");
  const again = await payee().withdrawals.request({ account: "collaborator", amount: "1000000000000000000", currency: "ETH" }, key);
  assert.deepEqual(again, w);
  const heard = collect(admin(), undefined, (ev) => ev.type === "withdrawal.changed" && ev.data.id === w.id && ev.data.state === "posted");
  const posted = await admin().withdrawals.post(w.id);
  assert.equal(posted.state, "posted");
  const { seen } = await heard;
  const last = seen[seen.length - 1];
  assert.equal(last.data.amount, "1000000000000000000");
  // A payee reads the stream of its own account only: every event it
  // hears is about collaborator, and another account's is refused.
  const own = await collect(payee(), undefined, (ev) => ev.type === "withdrawal.changed" && ev.data.id === w.id && ev.data.state === "posted", undefined, "collaborator");
  for (const ev of own.seen) {
    if (ev.type === "withdrawal.changed") assert.equal(ev.data.account, "collaborator");
    else {
      assert.equal(ev.type, "entry.committed");
      const e = await admin().entries.get(ev.data.seq);
      assert.ok(e.postings.some((p) => p.from === "collaborator" || p.to === "collaborator"), `event ${ev.id}: entry ${e.seq} does not touch collaborator`);
    }
  }
  assert.ok(own.seen.some((ev) => ev.type === "entry.committed"), "the payee hears the entries that paid it");
  await assert.rejects(collect(payee(), undefined, () => true), (err) => err.code === "forbidden");
  await assert.rejects(collect(payee(), undefined, () => true, undefined, "owner"), (err) => err.code === "forbidden");
});

test("ops has a call for every route of the OpenAPI document", { skip }, async () => {
  const doc = await admin().ops.getOpenAPI();
  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId)).sort();
  assert.deepEqual(Object.keys(admin().ops).sort(), ids);
  assert.deepEqual(await admin().ops.listCurrencies(), await admin().currencies.list());
  const asset = await admin().ops.getMarketAsset({ path: { id: "asset-7" } });
  assert.equal(asset.owner, "owner");
  // A write resent under its key answers the same; a path parameter is required.
  const body = { account: "owner", amount: "1", currency: "ETH" };
  const w = await admin().ops.requestWithdrawal({ body, idempotencyKey: "sdk-ops-1" });
  assert.deepEqual(await admin().ops.requestWithdrawal({ body, idempotencyKey: "sdk-ops-1" }), w);
  assert.throws(() => admin().ops.getMarketAsset({ path: {} }), /getMarketAsset needs path.id/);
  const csv = await admin().ops.getMetrics();
  assert.equal(typeof csv, "string");
});
