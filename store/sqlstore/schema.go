package sqlstore

import "strings"

// schema is plain SQL that SQLite, PostgreSQL and PostgreSQL-compatible
// distributed databases all accept. {amount} and {bytes} are replaced by the
// dialect's types for 256-bit amounts and byte strings.
//
// Amounts are stored as decimal numbers of base units: NUMERIC(78,0) holds
// every 256-bit value in PostgreSQL, and SQLite keeps them as text.
// {seqpk} and {norowid} give SQLite tables without a hidden rowid B-tree
// beside their primary key (a BIGINT PRIMARY KEY is not SQLite's rowid), which
// halved the B-tree writes per entry. {text}
// is text that sorts bytewise on every server, whatever its locale, so that
// cursors and prefix ranges mean the same everywhere. The
// engine does all arithmetic in Go, so the column type only has to hold the
// value and read well in a SQL shell.
//
// Schema version 2 keeps an entry's postings in its row (see postings.go);
// version 1 had a postings table with a row per posting and an index on each
// side, which migrateV1 converts. Version 3 keeps which entries name an
// account in two places (see seqs.go): the latest few in the balance row
// they changed anyway (balances.recent), the rest in entry_accounts, now
// keyed by account, currency and first entry; and the state table is an
// ordinary rowid table, because SQLite keeps a WITHOUT ROWID table's whole
// rows in its B-tree's inner cells, and a program's large state values (a
// usage chunk is hundreds of kilobytes) were copied out whole at every step
// of every key lookup. migrateV2 converts. Version 4 changes one thing, on
// SQLite only: the next entry and event numbers follow from the largest
// ones in their tables (Dialect.SeqFromMax), so the counter rows 'entry'
// and 'event' are gone there; migrateV3 checks them against the tables
// and drops them. Version 5 changes no table: idempotency keys are scoped
// by principal from then on, and the counter row 'shared_keys' records the
// last entry of the shared key space before (migrateV4).
const schema = `
CREATE TABLE IF NOT EXISTS counters (
	name  {text} PRIMARY KEY,
	value BIGINT NOT NULL
){norowid};
CREATE TABLE IF NOT EXISTS entries (
	seq       {seqpk},
	idem_key  {text} NOT NULL UNIQUE,
	hash      {bytes} NOT NULL,
	kind      SMALLINT NOT NULL,
	program   {text} NOT NULL,
	ref       {text} NOT NULL,
	time_ns   BIGINT NOT NULL,
	postings  {bytes} NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_time ON entries (time_ns, seq);
CREATE TABLE IF NOT EXISTS entry_accounts (
	account  {text} NOT NULL,
	currency {text} NOT NULL,
	seq      BIGINT NOT NULL,
	more     {bytes} NOT NULL,
	PRIMARY KEY (account, currency, seq)
){norowid};
CREATE TABLE IF NOT EXISTS balances (
	account         {text} NOT NULL,
	currency        {text} NOT NULL,
	debits_posted   {amount} NOT NULL,
	credits_posted  {amount} NOT NULL,
	debits_pending  {amount} NOT NULL,
	credits_pending {amount} NOT NULL,
	recent          {bytes} NOT NULL DEFAULT '',
	PRIMARY KEY (account, currency)
){norowid};
CREATE TABLE IF NOT EXISTS state (
	program {text} NOT NULL,
	skey    {text} NOT NULL,
	value   {bytes} NOT NULL,
	PRIMARY KEY (program, skey)
);
CREATE TABLE IF NOT EXISTS withdrawals (
	id          {text} PRIMARY KEY,
	account     {text} NOT NULL,
	destination {text} NOT NULL,
	currency    {text} NOT NULL,
	amount      {amount} NOT NULL,
	state       SMALLINT NOT NULL,
	request_seq BIGINT NOT NULL,
	resolve_seq BIGINT NOT NULL,
	created_ns  BIGINT NOT NULL,
	resolved_ns BIGINT NOT NULL
){norowid};
CREATE INDEX IF NOT EXISTS withdrawals_account ON withdrawals (account, id);
CREATE TABLE IF NOT EXISTS tokens (
	id          {text} PRIMARY KEY,
	hash        {bytes} NOT NULL UNIQUE,
	role        {text} NOT NULL,
	accounts    {text} NOT NULL,
	name        {text} NOT NULL,
	created_ns  BIGINT NOT NULL,
	revoked_ns  BIGINT NOT NULL
){norowid};
CREATE TABLE IF NOT EXISTS events (
	seq     {seqpk},
	type    {text} NOT NULL,
	time_ns BIGINT NOT NULL,
	data    {text} NOT NULL
);
`

// seedCounters creates the journal counters of a dialect that keeps them
// (see Dialect.SeqFromMax).
const seedCounters = "INSERT INTO counters (name, value) VALUES ('entry', 0), ('event', 0) ON CONFLICT (name) DO NOTHING"

func schemaFor(d Dialect) []string {
	s := strings.NewReplacer("{amount}", d.AmountType, "{bytes}", d.BytesType, "{text}", d.TextType, "{seqpk}", d.SeqPK, "{norowid}", d.TableSuffix).Replace(schema)
	var out []string
	for _, stmt := range strings.Split(s, ";") {
		if strings.TrimSpace(stmt) != "" {
			out = append(out, stmt)
		}
	}
	if !d.SeqFromMax {
		out = append(out, seedCounters)
	}
	return out
}
