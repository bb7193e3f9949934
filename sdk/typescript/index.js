// @tributary/client: a small client for Tributary's HTTP API (/v1), with
// a live subscription to its event stream. Plain ES module, no build step,
// no dependency: it runs as is in browsers (the console serves this very
// file) and in Node.js 18+. Its types are in index.d.ts, over schema.d.ts,
// which openapi-typescript generates from the server's OpenAPI document.
// Every route is a call in client.ops, by its operationId, made from
// operations.js (generated from the same document).
import { operations } from "./operations.js";

/** An error the API answered: its HTTP status and stable code. */
export class TributaryError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "TributaryError";
    this.status = status;
    this.code = code;
  }
}

/** The query string of the defined, non-empty values of q. */
function queryString(q) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q || {})) {
    if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? "?" + s : "";
}

/** A fresh idempotency key, for writes whose caller gave none. */
function newKey() {
  return globalThis.crypto.randomUUID();
}

/**
 * createClient returns a client of the server at baseUrl ("" for the
 * page's own origin), calling with the bearer token.
 */
export function createClient({ baseUrl = "", token = "", fetch: fetchImpl } = {}) {
  const doFetch = fetchImpl || globalThis.fetch.bind(globalThis);
  const base = baseUrl.replace(/\/$/, "");
  const headers = (extra) => {
    const h = { Accept: "application/json", ...extra };
    if (token) h.Authorization = "Bearer " + token;
    return h;
  };

  async function request(method, path, { query, body, idempotencyKey, signal } = {}) {
    const extra = {};
    if (body !== undefined) extra["Content-Type"] = "application/json";
    if (idempotencyKey) extra["Idempotency-Key"] = idempotencyKey;
    const res = await doFetch(base + path + queryString(query), {
      method,
      headers: headers(extra),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      const e = (data && data.error) || {};
      throw new TributaryError(res.status, e.code || "http_" + res.status, e.message || text || res.statusText);
    }
    // A route that answers other than JSON (a CSV export, the metrics)
    // answers its text.
    const json = (res.headers.get("Content-Type") || "").includes("json");
    return json || data !== undefined ? data : text;
  }

  const enc = encodeURIComponent;
  const get = (path, query) => request("GET", path, { query });
  const write = (method, path, body, key) => request(method, path, { body, idempotencyKey: key || newKey() });

  return {
    request,
    ops: operationCalls(request),
    currencies: { list: () => get("/v1/currencies") },
    accounts: {
      list: (q) => get("/v1/accounts", q),
      get: (account) => get("/v1/accounts/" + enc(account)),
    },
    entries: {
      list: (q) => get("/v1/entries", q),
      get: (seq) => get("/v1/entries/" + enc(seq)),
    },
    withdrawals: {
      list: (q) => get("/v1/withdrawals", q),
      get: (id) => get("/v1/withdrawals/" + enc(id)),
      request: (body, key) => write("POST", "/v1/withdrawals", body, key),
      post: (id, key) => write("POST", "/v1/withdrawals/" + enc(id) + "/post", undefined, key),
      void: (id, key) => write("POST", "/v1/withdrawals/" + enc(id) + "/void", undefined, key),
    },
    flows: {
      list: (q) => get("/v1/flows", q),
      /** Every flow of the period (and its entries by hour), following next and adding the answers' sums exactly. */
      async all(q = {}) {
        const sums = new Map();
        const hours = new Map();
        let after = q.after;
        let entries = 0;
        for (;;) {
          const page = await get("/v1/flows", { ...q, after });
          entries += page.entries;
          for (const f of page.flows) {
            const k = JSON.stringify([f.from, f.program, f.rule, f.to, f.currency]);
            const old = sums.get(k);
            sums.set(k, old ? { ...old, amount: (BigInt(old.amount) + BigInt(f.amount)).toString(), postings: old.postings + f.postings } : { ...f });
          }
          for (const h of page.hours) hours.set(h.hour, (hours.get(h.hour) || 0) + h.entries);
          if (!page.next) break;
          after = page.next;
        }
        const byHour = [...hours].sort(([a], [b]) => Date.parse(a) - Date.parse(b)).map(([hour, n]) => ({ hour, entries: n }));
        return { flows: [...sums.values()], entries, hours: byHour };
      },
    },
    events: {
      /**
       * subscribe calls handler with every event after `after` (an event
       * id; default: from the first), as they are committed, until the
       * returned subscription is closed. A dropped connection is resumed
       * after the last event handled, so nothing is missed or repeated.
       * Without after, `tail: n` starts with the n newest events instead
       * of the whole history (0: only new ones), for a live view; until
       * the first event arrives, a reconnection asks for the tail again.
       * With `account`, only the events about that account (a payee
       * token must name one of its own).
       * onOpen is called each time the stream is (re)connected, onError
       * with each failure (a refusal ends the subscription).
       */
      subscribe(handler, { after, tail, account, retryMs = 1000, onError, onOpen } = {}) {
        return subscribe(doFetch, base + "/v1/events", headers, handler, { after, tail, account, retryMs, onError, onOpen });
      },
    },
  };
}

/**
 * operationCalls makes one function per operation of the API:
 * ops.getUsageStatement({ path: { epoch: "3" } }). A write that takes an
 * Idempotency-Key gets a fresh one unless idempotencyKey is given.
 */
function operationCalls(request) {
  const ops = {};
  for (const [id, op] of Object.entries(operations)) {
    ops[id] = ({ path = {}, query, body, idempotencyKey, signal } = {}) => {
      const url = op.path.replace(/\{([^}]+)\}/g, (_, name) => {
        if (path[name] === undefined || path[name] === "") throw new TypeError(`${id} needs path.${name}`);
        return encodeURIComponent(String(path[name]));
      });
      return request(op.method, url, { query, body, signal, idempotencyKey: op.key ? idempotencyKey || newKey() : undefined });
    };
  }
  return Object.freeze(ops);
}

/** subscribe reads the event stream, reconnecting after the last id. */
function subscribe(doFetch, url, headers, handler, { after, tail, account, retryMs, onError, onOpen }) {
  const ctl = new AbortController();
  const sub = {
    lastEventId: after === undefined ? "" : String(after),
    close() {
      ctl.abort();
    },
  };
  (async () => {
    while (!ctl.signal.aborted) {
      try {
        const extra = { Accept: "text/event-stream" };
        if (sub.lastEventId) extra["Last-Event-ID"] = sub.lastEventId;
        const from = queryString({ account, tail: sub.lastEventId ? undefined : tail });
        const res = await doFetch(url + from, { headers: headers(extra), signal: ctl.signal });
        if (!res.ok) {
          let e = {};
          try {
            e = (await res.json()).error || {};
          } catch {
            // not JSON: the status says enough
          }
          const err = new TributaryError(res.status, e.code || "http_" + res.status, e.message || res.statusText);
          if (res.status === 401 || res.status === 403) {
            // The token will not do better next time: stop.
            if (onError) onError(err);
            return;
          }
          throw err;
        }
        if (onOpen) onOpen();
        await readStream(res.body, (ev) => {
          // Events already read when the subscription closed are not
          // handled: close() is the last word.
          if (ctl.signal.aborted) return;
          sub.lastEventId = ev.id;
          handler(ev);
        });
      } catch (err) {
        if (ctl.signal.aborted) return;
        if (onError) onError(err);
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  })();
  return sub;
}

/** readStream parses Server-Sent Events from body, calling emit for each. */
async function readStream(body, emit) {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const ev = { id: "", type: "message", data: "" };
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const i = line.indexOf(":");
        const field = i < 0 ? line : line.slice(0, i);
        const val = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (field === "id") ev.id = val;
        else if (field === "event") ev.type = val;
        else if (field === "data") data.push(val);
      }
      if (!ev.id && data.length === 0) continue;
      const text = data.join("\n");
      try {
        ev.data = JSON.parse(text);
      } catch {
        ev.data = text;
      }
      emit(ev);
    }
  }
}
