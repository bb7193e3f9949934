// Types of @tributary/client. The bodies are the API's own schemas, from
// schema.d.ts (generated from the OpenAPI document: npm run generate).
import type { components, paths } from "./schema.js";

export type { components, paths };
type S = components["schemas"];

export declare class TributaryError extends Error {
  readonly status: number;
  /** The API's stable error code, such as "forbidden" or "overdraft". */
  readonly code: string;
}

type Query<P extends keyof paths> = paths[P]["get"] extends { parameters: { query?: infer Q } } ? Q : never;

export interface Event {
  /** The event's sequence number, as a string: pass it as after to resume. */
  id: string;
  type: "entry.committed" | "withdrawal.changed" | "config.changed" | string;
  data: S["EntryCommittedEvent"] | S["WithdrawalChangedEvent"] | S["ConfigChangedEvent"] | unknown;
}

export interface Subscription {
  /** The id of the last event handled. */
  readonly lastEventId: string;
  close(): void;
}

export interface Client {
  request(method: string, path: string, opts?: { query?: Record<string, unknown>; body?: unknown; idempotencyKey?: string; signal?: AbortSignal }): Promise<unknown>;
  currencies: { list(): Promise<S["CurrencyList"]> };
  accounts: {
    list(q?: Query<"/v1/accounts">): Promise<S["BalanceList"]>;
    get(account: string): Promise<S["Account"]>;
  };
  entries: {
    list(q?: Query<"/v1/entries">): Promise<S["EntryList"]>;
    get(seq: number | string): Promise<S["Entry"]>;
  };
  withdrawals: {
    list(q?: Query<"/v1/withdrawals">): Promise<S["WithdrawalList"]>;
    get(id: string): Promise<S["Withdrawal"]>;
    /** key is the Idempotency-Key and becomes the withdrawal's ID; a fresh one when omitted. */
    request(body: S["WithdrawalRequest"], key?: string): Promise<S["Withdrawal"]>;
    post(id: string, key?: string): Promise<S["Withdrawal"]>;
    void(id: string, key?: string): Promise<S["Withdrawal"]>;
  };
  flows: {
    list(q?: Query<"/v1/flows">): Promise<S["FlowList"]>;
    all(q?: Query<"/v1/flows">): Promise<{ flows: S["Flow"][]; entries: number; hours: S["FlowHour"][] }>;
  };
  events: {
    subscribe(handler: (ev: Event) => void, opts?: { after?: string | number; tail?: number; retryMs?: number; onError?: (err: unknown) => void; onOpen?: () => void }): Subscription;
  };
}

export declare function createClient(opts?: { baseUrl?: string; token?: string; fetch?: typeof fetch }): Client;
