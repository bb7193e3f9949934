// Types of @tributary/client. The bodies are the API's own schemas, from
// schema.d.ts (generated from the OpenAPI document: npm run generate).
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };
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

type Params<K extends keyof operations> = operations[K]["parameters"];
type JSONOf<T> = T extends { content: { "application/json": infer B } } ? B : never;
/** The arguments of an operation: its path parameters, query, body. */
export type CallArgs<K extends keyof operations> = {
  idempotencyKey?: string;
  signal?: AbortSignal;
} & (Params<K> extends { path: infer P } ? { path: P } : { path?: never }) &
  (Params<K> extends { query?: infer Q } ? ([Q] extends [never] ? { query?: never } : { query?: Q }) : { query?: never }) &
  (operations[K] extends { requestBody: infer B } ? { body: JSONOf<B> } : { body?: never });
/** What an operation answers when it succeeds: its 200 or 201 body. */
export type Answer<K extends keyof operations> = operations[K]["responses"] extends { 200: infer R }
  ? JSONOf<R> extends never ? string : JSONOf<R>
  : operations[K]["responses"] extends { 201: infer R } ? JSONOf<R> : unknown;
/** One call per operation of the API, by its operationId (generated from the OpenAPI document). */
export type Operations = {
  [K in keyof operations]: {} extends CallArgs<K> ? (args?: CallArgs<K>) => Promise<Answer<K>> : (args: CallArgs<K>) => Promise<Answer<K>>;
};

export interface Client {
  /** Every route of the API, by operationId: ops.getUsageStatement({ path: { epoch: "3" } }). */
  ops: Operations;
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
    subscribe(handler: (ev: Event) => void, opts?: { after?: string | number; tail?: number; account?: string; retryMs?: number; onError?: (err: unknown) => void; onOpen?: () => void }): Subscription;
  };
}

export declare function createClient(opts?: { baseUrl?: string; token?: string; fetch?: typeof fetch }): Client;
