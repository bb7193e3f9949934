// Compiled by `npm run typecheck` (never run): the client's types hold
// together with the generated schema.
import { createClient, type Client, type Event, TributaryError } from "../index.js";

const c: Client = createClient({ baseUrl: "http://127.0.0.1:8650", token: "trb_x" });

export async function example(): Promise<string> {
  const acct = await c.accounts.get("artist:1");
  const available: string = acct.balances[0].available;
  const page = await c.entries.list({ account: "artist:1", limit: 10 });
  const path: string | undefined = page.entries[0]?.postings[0]?.path;
  const w = await c.withdrawals.request({ account: "artist:1", amount: "100", currency: "USD" });
  const state: string = w.state;
  const flows = await c.flows.all({ currency: "USD" });
  const sub = c.events.subscribe((ev: Event) => void ev.id, { after: 0 });
  sub.close();
  try {
    await c.currencies.list();
  } catch (err) {
    if (err instanceof TributaryError) return err.code;
  }
  return available + path + state + flows.entries;
}

// Every route has a typed call, generated from the OpenAPI document.
export async function everyRoute(): Promise<string> {
  const st = await c.ops.getUsageStatement({ path: { epoch: 3 } });
  const streams = await c.ops.getDepsStreams({ query: { at: "2026-01-01T00:00:00Z" } });
  const batches = await c.ops.listPayoutBatches();
  const asset = await c.ops.createMarketAsset({ body: { id: "a", owner: "o" } as never, idempotencyKey: "k" });
  // @ts-expect-error a path parameter is required
  await c.ops.getMarketAsset({});
  return String(st) + String(streams) + String(batches) + String(asset);
}
