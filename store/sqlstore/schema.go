package sqlstore

import "strings"

// schema is plain SQL that SQLite, PostgreSQL and PostgreSQL-compatible
// distributed databases all accept. {amount} and {bytes} are replaced by the
// dialect's types for 256-bit amounts and byte strings.
//
// Amounts are stored as decimal numbers of base units: NUMERIC(78,0) holds
// every 256-bit value in PostgreSQL, and SQLite keeps them as text. The
// engine does all arithmetic in Go, so the column type only has to hold the
// value and read well in a SQL shell.
const schema = `
CREATE TABLE IF NOT EXISTS counters (
	name  TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('entry', 0), ('event', 0) ON CONFLICT (name) DO NOTHING;
CREATE TABLE IF NOT EXISTS entries (
	seq       BIGINT PRIMARY KEY,
	idem_key  TEXT NOT NULL UNIQUE,
	hash      {bytes} NOT NULL,
	kind      SMALLINT NOT NULL,
	program   TEXT NOT NULL,
	ref       TEXT NOT NULL,
	time_ns   BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_time ON entries (time_ns, seq);
CREATE TABLE IF NOT EXISTS postings (
	seq          BIGINT NOT NULL,
	idx          INTEGER NOT NULL,
	from_account TEXT NOT NULL,
	to_account   TEXT NOT NULL,
	currency     TEXT NOT NULL,
	amount       {amount} NOT NULL,
	path         TEXT NOT NULL,
	PRIMARY KEY (seq, idx)
);
CREATE INDEX IF NOT EXISTS postings_from ON postings (from_account, seq);
CREATE INDEX IF NOT EXISTS postings_to ON postings (to_account, seq);
CREATE TABLE IF NOT EXISTS balances (
	account         TEXT NOT NULL,
	currency        TEXT NOT NULL,
	debits_posted   {amount} NOT NULL,
	credits_posted  {amount} NOT NULL,
	debits_pending  {amount} NOT NULL,
	credits_pending {amount} NOT NULL,
	PRIMARY KEY (account, currency)
);
CREATE TABLE IF NOT EXISTS state (
	program TEXT NOT NULL,
	skey    TEXT NOT NULL,
	value   {bytes} NOT NULL,
	PRIMARY KEY (program, skey)
);
CREATE TABLE IF NOT EXISTS withdrawals (
	id          TEXT PRIMARY KEY,
	account     TEXT NOT NULL,
	destination TEXT NOT NULL,
	currency    TEXT NOT NULL,
	amount      {amount} NOT NULL,
	state       SMALLINT NOT NULL,
	request_seq BIGINT NOT NULL,
	resolve_seq BIGINT NOT NULL,
	created_ns  BIGINT NOT NULL,
	resolved_ns BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS withdrawals_account ON withdrawals (account, id);
CREATE TABLE IF NOT EXISTS events (
	seq     BIGINT PRIMARY KEY,
	type    TEXT NOT NULL,
	time_ns BIGINT NOT NULL,
	data    TEXT NOT NULL
);
`

func schemaFor(d Dialect) []string {
	s := strings.NewReplacer("{amount}", d.AmountType, "{bytes}", d.BytesType).Replace(schema)
	var out []string
	for _, stmt := range strings.Split(s, ";") {
		if strings.TrimSpace(stmt) != "" {
			out = append(out, stmt)
		}
	}
	return out
}
