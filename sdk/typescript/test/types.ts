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
