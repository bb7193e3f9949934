package usage

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/split"
)

// The usage program keeps its state under these keys. The engine's View
// reads one key at a time, so everything a close reads in bulk lives in
// chunks of ChunkSize participants: a close of a million participants
// reads a few hundred values, not millions.
//
//	status                 Status: slots used, next epoch to close, carry-over
//	config                 []Version: configurations by effective epoch
//	p/<id>                 the participant's slot, in decimal
//	pc/<chunk>             []Participant of slots chunk*ChunkSize …
//	rev/<epoch>            platform revenue recorded in the epoch
//	r/<epoch>/<chunk>      map metric → counts of the chunk's slots
//	h/<epoch>/<chunk>      snapshot at the close: categories, active flags,
//	                       and the history the next close needs
//	close/<epoch>          Summary of a closed epoch, with its statement digest
const (
	statusKey = "status"
	configKey = "config"
	// ChunkSize is the number of participants per state chunk.
	ChunkSize = 4096
	// VersionsMax bounds the stored configuration versions.
	VersionsMax = 1000
	// ParticipantsPerOpMax bounds one registration batch.
	ParticipantsPerOpMax = 10000
)

func indexKey(id string) string  { return "p/" + id }
func chunkKey(c uint64) string   { return "pc/" + strconv.FormatUint(c, 10) }
func revenueKey(e uint64) string { return "rev/" + strconv.FormatUint(e, 10) }
func reportKey(e, c uint64) string {
	return "r/" + strconv.FormatUint(e, 10) + "/" + strconv.FormatUint(c, 10)
}
func snapshotKey(e, c uint64) string {
	return "h/" + strconv.FormatUint(e, 10) + "/" + strconv.FormatUint(c, 10)
}
func summaryKey(e uint64) string { return "close/" + strconv.FormatUint(e, 10) }
func chunks(slots uint64) uint64 { return (slots + ChunkSize - 1) / ChunkSize }
func chunkRange(c, slots uint64) (lo, hi int) {
	return int(c * ChunkSize), int(min((c+1)*ChunkSize, slots))
}

// Status is the program's running state.
type Status struct {
	// Participants ever registered (slots are never reused).
	Slots      uint64 `json:"slots" jsonschema:"minimum=0"`
	Configured bool   `json:"configured"` // a configuration exists
	// The next epoch to close; earlier ones are closed.
	NextClose uint64 `json:"next_close" jsonschema:"minimum=0"`
	// The latest epoch that received reports or revenue.
	Latest uint64 `json:"latest" jsonschema:"minimum=0"`
	// Whether any epoch received reports or revenue.
	Touched bool `json:"touched"`
	// Carried into the next close's pool.
	Carry money.Amount `json:"carry" schema:"Amount"`
	// The last closed epoch; null until one closes.
	LastClosed *uint64 `json:"last_closed" jsonschema:"minimum=0"`
}

// Version is a configuration and the first epoch it applies to.
type Version struct {
	// The first epoch the configuration applies to.
	Epoch  uint64 `json:"epoch" jsonschema:"minimum=0"`
	Config Config `json:"config"`
}

// Participant is a registered app, contract or creator. Payouts go to
// Account, or by Split when it has one.
type Participant struct {
	ID string `json:"id" schema:"UsageParticipantId"`
	// The account whose `payee` token may change the participant.
	Owner string `json:"owner" schema:"AccountName"`
	// The internal account payouts go to (an external one is 400
	// `account_invalid`; a pool account 422 `usage_config_invalid`).
	Account string `json:"account" schema:"AccountName"`
	// The participant's category, for `category_weighted`.
	Category string `json:"category,omitempty" schema:"UsageName"`
	// When set, payouts are split among these internal accounts instead of going
	// to `account`.
	Split []split.Share `json:"split,omitempty" jsonschema:"minItems=1,maxItems=16"`
	// False once deregistered.
	Active bool `json:"active"`
	// Registration order, from 0; ties in allocations go to the earlier slot.
	Slot uint64 `json:"slot" jsonschema:"minimum=0"`
}

// Summary is what is stored of a closed epoch: its accounting and the
// digest of its statement. The statement itself is recomputed from the
// stored inputs on demand (Explain) and checked against the digest.
type Summary struct {
	Epoch uint64 `json:"epoch" jsonschema:"minimum=0"`
	// The idempotency key of the close: its entry is `GET
	// /v1/entries/keys/{key}`.
	Key      string    `json:"key" schema:"Key"`
	ClosedAt time.Time `json:"closed_at" schema:"Time"`
	// The configuration version in force.
	ConfigEpoch uint64 `json:"config_epoch" jsonschema:"minimum=0"`
	Slots       uint64 `json:"slots" jsonschema:"minimum=0"`
	// Revenue recorded in the epoch.
	Revenue money.Amount `json:"revenue" schema:"Amount"`
	// Carried in from the previous close.
	CarryIn money.Amount `json:"carry_in" schema:"Amount"`
	// The funding account's available balance at the close.
	Funding money.Amount `json:"funding" schema:"Amount"`
	// What the pool rules asked for, carry-in included.
	Target money.Amount `json:"target" schema:"Amount"`
	// What was handed out or carried: the lesser of target and funding.
	Pool money.Amount `json:"pool" schema:"Amount"`
	// Target minus pool: unfunded, never overdrawn.
	Shortfall money.Amount `json:"shortfall" schema:"Amount"`
	// The sum paid.
	Paid money.Amount `json:"paid" schema:"Amount"`
	// Pool minus paid: stays in the funding account for the next epoch.
	CarryOut money.Amount `json:"carry_out" schema:"Amount"`
	// Participants with a statement line.
	Listed    int `json:"participants" jsonschema:"minimum=0"`
	PaidCount int `json:"paid_count" jsonschema:"minimum=0"`
	// The digest of the epoch's statement.
	Digest string   `json:"statement_sha256" jsonschema:"pattern=^[0-9a-f]{64}$"`
	Notes  []string `json:"notes"`
}

// ReadStatus returns the program's status.
func ReadStatus(v engine.View) (Status, error) {
	var s Status
	return s, engine.ReadJSONOr(v, statusKey, &s)
}

// ReadVersions returns the configuration versions, oldest first.
func ReadVersions(v engine.View) ([]Version, error) {
	var vs []Version
	return vs, engine.ReadJSONOr(v, configKey, &vs)
}

// ConfigFor returns the configuration in force for an epoch.
//
// Errors: ErrNotConfigured.
func ConfigFor(vs []Version, epoch uint64) (Version, error) {
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Epoch <= epoch {
			return vs[i], nil
		}
	}
	return Version{}, errcode.Errorf(ErrNotConfigured, "no usage configuration applies to epoch %d; apply one first (a configuration applies from the epoch after the one it is applied in)", epoch)
}

// ReadParticipant returns a participant.
//
// Errors: ErrParticipant.
func ReadParticipant(v engine.View, id string) (Participant, error) {
	raw, ok, err := v.State(indexKey(id))
	if err != nil {
		return Participant{}, err
	}
	if !ok {
		return Participant{}, errcode.Errorf(ErrParticipant, "participant %q is not registered", id)
	}
	slot, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return Participant{}, fmt.Errorf("participant index %s is corrupt: %w", id, err)
	}
	c := slot / ChunkSize
	var pc participantChunk
	if err := readChunk(v, chunkKey(c), "participant chunk", strconv.FormatUint(c, 10), func(raw []byte) error { return decodeParticipantChunk(raw, &pc) }); err != nil {
		return Participant{}, err
	}
	if err := pc.prepare(); err != nil {
		return Participant{}, err
	}
	if int(slot%ChunkSize) >= pc.len() {
		return Participant{}, fmt.Errorf("participant %s: slot %d is past its chunk", id, slot)
	}
	return pc.at(int(slot%ChunkSize), c*ChunkSize), nil
}

// readChunk is engine.ReadJSON with the program's own decoder (of the
// binary encoding or an older version's JSON), and the same errors.
func readChunk(v engine.View, key, what, id string, decode func([]byte) error) error {
	raw, ok, err := v.State(key)
	if err != nil {
		return err
	}
	if !ok {
		return notFound(what, id)
	}
	if err := decode(raw); err != nil {
		return corrupt(what, id, err)
	}
	return nil
}

// readChunkOr is engine.ReadJSONOr with the program's own decoder.
func readChunkOr(v engine.View, key string, decode func([]byte) error) error {
	raw, ok, err := v.State(key)
	if err != nil || !ok {
		return err
	}
	if err := decode(raw); err != nil {
		return corruptState(key, err)
	}
	return nil
}

// The errors of engine.ReadJSON and engine.ReadJSONOr, for state the
// program decodes itself.
func notFound(what, id string) error {
	return errcode.Errorf(ledger.ErrNotFound, "%s %q does not exist", what, id)
}
func corrupt(what, id string, err error) error {
	return fmt.Errorf("%s %s is corrupt: %w", what, id, err)
}
func corruptState(key string, err error) error {
	return fmt.Errorf("state %s is corrupt: %w", key, err)
}

// storedSummary is a Summary as stored: with the rules revision the epoch
// was closed under, which the API's answer does not show. A summary
// stored without one was closed under RulesOriginal. (Summary is embedded,
// so its fields are stored beside Rules, as they were before it; it must
// not get a MarshalJSON of its own.)
type storedSummary struct {
	Summary
	Rules int `json:"rules,omitempty"`
}

// ReadSummary returns a closed epoch's summary.
//
// Errors: ledger.ErrNotFound.
func ReadSummary(v engine.View, epoch uint64) (Summary, error) {
	s, err := readSummary(v, epoch)
	return s.Summary, err
}

func readSummary(v engine.View, epoch uint64) (storedSummary, error) {
	var s storedSummary
	if err := engine.ReadJSON(v, summaryKey(epoch), "closed epoch", strconv.FormatUint(epoch, 10), &s); err != nil {
		return storedSummary{}, err
	}
	if s.Rules == 0 {
		s.Rules = RulesOriginal
	}
	return s, nil
}

// op is a usage operation whose request digest has the fields fields
// adds; legacy is what the digest was made of before (engine.ProgramOp).
func op(key, what string, at time.Time, fields func(*ledger.Hasher), legacy any, run func(engine.View) (engine.Change, error)) engine.Op {
	return engine.ProgramOp(Program, key, what, at, fields, legacy, run)
}

// hashParticipant adds what a registration or an update says of a
// participant: not its slot or whether it is active, which the program
// decides.
func hashParticipant(h *ledger.Hasher, p Participant) {
	h.String(p.ID).String(p.Owner).String(p.Account).String(p.Category)
	program.HashShares(h, p.Split)
}

// hashConfig adds a configuration. A configuration is a document of many
// nested parts, all of which a request sets; its canonical JSON (the
// fields in declaration order, zero values of optional parts left out)
// is the digest's field, so that a part added later with omitempty keeps
// the digests of the requests that do not use it.
func hashConfig(h *ledger.Hasher, c Config) {
	raw, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("usage: encoding a configuration: %v", err)) // plain data
	}
	h.String(string(raw))
}

func configure(kind, id, action string, writes ...engine.StateWrite) engine.Change {
	return engine.ConfigChange("usage:"+id, "usage_"+kind, id, action, writes...)
}

// ApplyConfig stores a configuration. The first one applies from the epoch
// that contains at (epoch 0 before the anchor); every later one from the
// next epoch, so that an epoch's rules are fixed once it is under way. The
// epoch length, anchor and currency never change.
//
// Refusals: those of Validate, ErrConfig, ErrLimit, money.ErrUnknownCurrency.
func ApplyConfig(key string, at time.Time, c Config, currencies ledger.Currencies) engine.Op {
	return op(key, "config", at, func(h *ledger.Hasher) { hashConfig(h, c) }, c, func(v engine.View) (engine.Change, error) {
		if err := c.Validate(); err != nil {
			return engine.Change{}, err
		}
		if _, err := currencies.Lookup(c.Currency); err != nil {
			return engine.Change{}, err
		}
		st, err := ReadStatus(v)
		if err != nil {
			return engine.Change{}, err
		}
		vs, err := ReadVersions(v)
		if err != nil {
			return engine.Change{}, err
		}
		now, err := c.Epoch.Number(at)
		before := errors.Is(err, ErrEpochFuture) // before the anchor: epoch 0 is still to come
		if err != nil && !before {
			return engine.Change{}, err
		}
		eff := now
		if len(vs) == 0 {
			st.Configured, st.NextClose = true, eff
		} else {
			first := vs[0].Config
			if !first.Epoch.SameEpochs(c.Epoch) {
				return engine.Change{}, errcode.Errorf(ErrConfig, "the epoch length and anchor cannot change once configured (%s from %s); epoch numbers must keep their meaning", first.Epoch.Length, first.Epoch.Anchor.Format(time.RFC3339))
			}
			if first.Currency != c.Currency {
				return engine.Change{}, errcode.Errorf(ErrConfig, "the currency cannot change once configured (%s); carry-over and balances are in it", first.Currency)
			}
			if !before {
				eff = now + 1
			}
			// Never change the rules of an epoch that already has reports or
			// revenue, also when clocks disagree.
			eff = max(eff, st.NextClose)
			if st.Touched {
				eff = max(eff, st.Latest+1)
			}
		}
		if n := len(vs); n > 0 && vs[n-1].Epoch == eff {
			vs[n-1].Config = c // a change to the pending version replaces it
		} else if n > 0 && vs[n-1].Epoch > eff {
			return engine.Change{}, errcode.Errorf(ErrConfig, "a configuration for epoch %d is already scheduled, after epoch %d", vs[n-1].Epoch, eff)
		} else {
			if n >= VersionsMax {
				return engine.Change{}, errcode.Errorf(ErrLimit, "%d configuration versions are stored; at most %d", n, VersionsMax)
			}
			vs = append(vs, Version{Epoch: eff, Config: c})
		}
		return configure("config", "config", "applies from epoch "+strconv.FormatUint(eff, 10), engine.WriteJSON(configKey, vs), engine.WriteJSON(statusKey, st)), nil
	})
}

// validateParticipant checks a participant's fields.
func validateParticipant(p Participant) error {
	if err := ValidateName("participant", p.ID); err != nil {
		return err
	}
	if err := ledger.ValidateAccount(p.Owner); err != nil {
		return errcode.Errorf(ledger.ErrAccount, "participant %s owner: %v", p.ID, err)
	}
	if err := ledger.ValidateAccount(p.Account); err != nil {
		return errcode.Errorf(ledger.ErrAccount, "participant %s account: %v", p.ID, err)
	}
	if ledger.IsExternal(p.Account) {
		return errcode.Errorf(ledger.ErrAccount, "participant %s account %q is external; payouts go to internal accounts, from which participants withdraw", p.ID, p.Account)
	}
	if p.Category != "" {
		if err := ValidateName("category", p.Category); err != nil {
			return err
		}
	}
	if len(p.Split) > 0 {
		for _, s := range p.Split {
			if ledger.IsExternal(s.Account) {
				return errcode.Errorf(ledger.ErrAccount, "participant %s split account %q is external", p.ID, s.Account)
			}
		}
		if err := split.OfShares("usage-"+p.ID, p.Split).Validate(split.Limits{ReceiversMax: SplitReceiversMax}); err != nil {
			return err
		}
	}
	return nil
}

// poolAccounts returns the pool account of every configuration version,
// read once per operation: a registration of 10,000 participants checks
// each against them, and decoding the versions for each one was most of
// what registering cost.
func poolAccounts(v engine.View) ([]string, error) {
	vs, err := ReadVersions(v)
	if err != nil {
		return nil, err
	}
	pools := make([]string, 0, len(vs))
	for _, ver := range vs {
		if !slices.Contains(pools, ver.Config.Pool.Account) {
			pools = append(pools, ver.Config.Pool.Account)
		}
	}
	return pools, nil
}

// notPoolAccount refuses a participant paid into a pool account: its
// payout would be a posting from an account to itself.
func notPoolAccount(pools []string, p Participant) error {
	for _, pool := range pools {
		bad := p.Account == pool
		for _, s := range p.Split {
			bad = bad || s.Account == pool
		}
		if bad {
			return errcode.Errorf(ErrConfig, "participant %s would be paid into the pool account %s; payouts leave the pool", p.ID, pool)
		}
	}
	return nil
}

// chunkCache reads participant chunks once per operation and remembers
// which it changed.
type chunkCache struct {
	v       engine.View
	chunks  map[uint64]*participantChunk
	changed map[uint64]bool
}

func newChunkCache(v engine.View) *chunkCache {
	return &chunkCache{v: v, chunks: map[uint64]*participantChunk{}, changed: map[uint64]bool{}}
}

func (cc *chunkCache) get(c uint64) (*participantChunk, error) {
	if pc, ok := cc.chunks[c]; ok {
		return pc, nil
	}
	pc := &participantChunk{}
	if err := readChunkOr(cc.v, chunkKey(c), func(raw []byte) error { return decodeParticipantChunk(raw, pc) }); err != nil {
		return nil, err
	}
	if err := pc.prepare(); err != nil {
		return nil, err
	}
	cc.chunks[c] = pc
	return pc, nil
}

// writes returns the changed chunks, in chunk order.
func (cc *chunkCache) writes() []engine.StateWrite {
	cs := make([]uint64, 0, len(cc.changed))
	for c := range cc.changed {
		cs = append(cs, c)
	}
	slices.Sort(cs)
	ws := make([]engine.StateWrite, 0, len(cs))
	var buf []byte
	for _, c := range cs {
		ws = append(ws, writeParticipantChunk(chunkKey(c), cc.chunks[c], &buf))
	}
	return ws
}

// Register registers participants, active, in the order given (which is
// their slot order: ties in allocations go to the earlier registration).
// Whether the caller may register them for their owners is the caller's
// check.
//
// Refusals: ErrExists, ErrLimit, ErrID, ledger.ErrAccount, split errors.
func Register(key string, at time.Time, ps []Participant) engine.Op {
	return op(key, "register", at, func(h *ledger.Hasher) {
		h.Uint(uint64(len(ps)))
		for _, p := range ps {
			hashParticipant(h, p)
		}
	}, ps, func(v engine.View) (engine.Change, error) {
		if len(ps) == 0 || len(ps) > ParticipantsPerOpMax {
			return engine.Change{}, errcode.Errorf(ErrLimit, "%d participants in one registration; want 1 to %d", len(ps), ParticipantsPerOpMax)
		}
		st, err := ReadStatus(v)
		if err != nil {
			return engine.Change{}, err
		}
		if st.Slots+uint64(len(ps)) > ParticipantsMax {
			return engine.Change{}, errcode.Errorf(ErrLimit, "%d participants are registered; at most %d may be", st.Slots, ParticipantsMax)
		}
		pools, err := poolAccounts(v)
		if err != nil {
			return engine.Change{}, err
		}
		seen := make(map[string]bool, len(ps))
		cc := newChunkCache(v)
		var writes []engine.StateWrite
		for _, p := range ps {
			p.Active, p.Slot = true, st.Slots
			if err := validateParticipant(p); err != nil {
				return engine.Change{}, err
			}
			if err := notPoolAccount(pools, p); err != nil {
				return engine.Change{}, err
			}
			if seen[p.ID] {
				return engine.Change{}, errcode.Errorf(ErrExists, "participant %q is listed twice", p.ID)
			}
			seen[p.ID] = true
			if _, ok, err := v.State(indexKey(p.ID)); err != nil {
				return engine.Change{}, err
			} else if ok {
				return engine.Change{}, errcode.Errorf(ErrExists, "participant %q is registered", p.ID)
			}
			c := p.Slot / ChunkSize
			pc, err := cc.get(c)
			if err != nil {
				return engine.Change{}, err
			}
			if uint64(pc.len()) != p.Slot%ChunkSize {
				return engine.Change{}, fmt.Errorf("usage: chunk %d holds %d participants; slot %d expected next", c, pc.len(), p.Slot)
			}
			pc.add(p)
			cc.changed[c] = true
			writes = append(writes, engine.StateWrite{Key: indexKey(p.ID), Value: []byte(strconv.FormatUint(p.Slot, 10))})
			st.Slots++
		}
		writes = append(append(writes, cc.writes()...), engine.WriteJSON(statusKey, st))
		id := ps[0].ID
		if len(ps) > 1 {
			id = fmt.Sprintf("%s+%d", id, len(ps)-1)
		}
		return configure("participant", id, "registered", writes...), nil
	})
}

// modify changes a registered, active participant. owner, when not empty,
// must be the participant's owner: the API passes it for payee tokens.
func modify(v engine.View, id, owner string, change func(*Participant) error) ([]engine.StateWrite, error) {
	p, err := ReadParticipant(v, id)
	if err != nil {
		return nil, err
	}
	if !p.Active {
		return nil, errcode.Errorf(ErrParticipant, "participant %q is deregistered", id)
	}
	if owner != "" && owner != p.Owner {
		return nil, errcode.Errorf(ErrOwner, "participant %s belongs to %s; only its owner or a configurator may change it", id, p.Owner)
	}
	if err := change(&p); err != nil {
		return nil, err
	}
	cc := newChunkCache(v)
	pc, err := cc.get(p.Slot / ChunkSize)
	if err != nil {
		return nil, err
	}
	pc.set(int(p.Slot%ChunkSize), p)
	cc.changed[p.Slot/ChunkSize] = true
	return cc.writes(), nil
}

// Update replaces a participant's account, category and split (its ID,
// owner and slot stay). A category change counts from the next close.
//
// Refusals: ErrParticipant, ErrOwner, and those of registration.
func Update(key string, at time.Time, p Participant, owner string) engine.Op {
	return op(key, "update", at, func(h *ledger.Hasher) { hashParticipant(h, p); h.String(owner) }, []any{p, owner}, func(v engine.View) (engine.Change, error) {
		ws, err := modify(v, p.ID, owner, func(old *Participant) error {
			old.Account, old.Category, old.Split = p.Account, p.Category, p.Split
			if err := validateParticipant(*old); err != nil {
				return err
			}
			pools, err := poolAccounts(v)
			if err != nil {
				return err
			}
			return notPoolAccount(pools, *old)
		})
		if err != nil {
			return engine.Change{}, err
		}
		return configure("participant", p.ID, "updated", ws...), nil
	})
}

// Deregister deactivates a participant: it takes no more reports and is
// paid nothing from the next close on. Its ID stays taken.
//
// Refusals: ErrParticipant, ErrOwner.
func Deregister(key string, at time.Time, id, owner string) engine.Op {
	return op(key, "deregister", at, func(h *ledger.Hasher) { h.String(id).String(owner) }, []any{id, owner}, func(v engine.View) (engine.Change, error) {
		ws, err := modify(v, id, owner, func(p *Participant) error { p.Active = false; return nil })
		if err != nil {
			return engine.Change{}, err
		}
		return configure("participant", id, "deregistered", ws...), nil
	})
}

// openEpoch checks that epoch takes reports and revenue at time at: it is
// configured, not closed, and has started.
func openEpoch(v engine.View, epoch uint64, at time.Time) (Status, Config, error) {
	st, err := ReadStatus(v)
	if err != nil {
		return st, Config{}, err
	}
	vs, err := ReadVersions(v)
	if err != nil {
		return st, Config{}, err
	}
	if len(vs) == 0 {
		return st, Config{}, errcode.Errorf(ErrNotConfigured, "the usage program has no configuration yet")
	}
	if epoch < st.NextClose {
		return st, Config{}, errcode.Errorf(ErrEpochClosed, "epoch %d is closed (or precedes the program); a closed epoch never changes", epoch)
	}
	ver, err := ConfigFor(vs, epoch)
	if err != nil {
		return st, Config{}, err
	}
	if start := ver.Config.Epoch.Start(epoch); start.After(at) {
		return st, Config{}, errcode.Errorf(ErrEpochFuture, "epoch %d starts at %s, after this report's time %s", epoch, start.Format(time.RFC3339), at.Format(time.RFC3339))
	}
	st.Latest, st.Touched = max(st.Latest, epoch), true
	return st, ver.Config, nil
}

// RecordRevenue records platform revenue of the epoch containing at: a
// transfer from from (usually external, "@platform") into the pool account
// of the configuration in force, tallied for fixed_percentage and dynamic
// pools.
//
// currency, when not empty, must be the program's.
//
// Refusals: ErrNotConfigured, ErrEpochClosed, ErrEpochFuture, ErrConfig
// (from is the pool account, or another currency), ledger errors for the
// posting.
func RecordRevenue(key string, at time.Time, from string, amount money.Amount, currency string) engine.Op {
	return op(key, "revenue", at, func(h *ledger.Hasher) { h.String(from).Amount(amount).String(currency) }, []any{from, amount, currency}, func(v engine.View) (engine.Change, error) {
		vs, err := ReadVersions(v)
		if err != nil {
			return engine.Change{}, err
		}
		if len(vs) == 0 {
			return engine.Change{}, errcode.Errorf(ErrNotConfigured, "the usage program has no configuration yet")
		}
		epoch, err := vs[0].Config.Epoch.Number(at)
		if err != nil {
			return engine.Change{}, err
		}
		st, cfg, err := openEpoch(v, epoch, at)
		if err != nil {
			return engine.Change{}, err
		}
		if currency != "" && currency != cfg.Currency {
			return engine.Change{}, errcode.Errorf(ErrConfig, "revenue in %s; the usage program counts in %s", currency, cfg.Currency)
		}
		if from == cfg.Pool.Account {
			return engine.Change{}, errcode.Errorf(ErrConfig, "revenue comes from outside the pool account %s", from)
		}
		var total money.Amount
		if raw, ok, err := v.State(revenueKey(epoch)); err != nil {
			return engine.Change{}, err
		} else if ok {
			if total, err = money.ParseUnits(string(raw)); err != nil {
				return engine.Change{}, fmt.Errorf("revenue of epoch %d is corrupt: %w", epoch, err)
			}
		}
		if total, err = total.Add(amount); err != nil {
			return engine.Change{}, err
		}
		ps := []ledger.Posting{{From: from, To: cfg.Pool.Account, Currency: cfg.Currency, Amount: amount, Path: fmt.Sprintf("usage:revenue → epoch %d → %s", epoch, cfg.Pool.Account)}}
		ws := []engine.StateWrite{{Key: revenueKey(epoch), Value: []byte(total.String())}, engine.WriteJSON(statusKey, st)}
		return engine.Change{Kind: ledger.Transfer, Ref: "usage:revenue:" + strconv.FormatUint(epoch, 10), Postings: ps, State: ws}, nil
	})
}

// ReportUsage adds a batch of counts to its epoch. Batches are increments:
// two batches reporting the same participant and metric add up (each under
// its own key; the same key replays).
//
// Refusals: those of Batch.Validate, ErrNotConfigured, ErrEpochClosed,
// ErrEpochFuture, ErrMetric, ErrParticipant, ErrCount.
func ReportUsage(key string, at time.Time, b Batch) engine.Op {
	return op(key, "report", at, func(h *ledger.Hasher) {
		h.Uint(b.Epoch).Uint(uint64(len(b.Reports)))
		for _, r := range b.Reports {
			h.String(r.Participant).String(r.Metric).Uint(uint64(r.Count))
		}
	}, b, func(v engine.View) (engine.Change, error) {
		if err := b.Validate(); err != nil {
			return engine.Change{}, err
		}
		st, cfg, err := openEpoch(v, b.Epoch, at)
		if err != nil {
			return engine.Change{}, err
		}
		cc := newChunkCache(v)
		reports := map[uint64]reportChunk{}
		for i, r := range b.Reports {
			if _, ok := cfg.MetricIndex(r.Metric); !ok {
				return engine.Change{}, errcode.Errorf(ErrMetric, "report %d: metric %q is not configured for epoch %d", i+1, r.Metric, b.Epoch)
			}
			raw, ok, err := v.State(indexKey(r.Participant))
			if err != nil {
				return engine.Change{}, err
			}
			if !ok {
				return engine.Change{}, errcode.Errorf(ErrParticipant, "report %d: participant %q is not registered", i+1, r.Participant)
			}
			slot, err := strconv.ParseUint(string(raw), 10, 64)
			if err != nil {
				return engine.Change{}, fmt.Errorf("participant index %s is corrupt: %w", r.Participant, err)
			}
			c := slot / ChunkSize
			pc, err := cc.get(c)
			if err != nil {
				return engine.Change{}, err
			}
			if int(slot%ChunkSize) >= pc.len() {
				return engine.Change{}, fmt.Errorf("participant %s: slot %d is past its chunk", r.Participant, slot)
			}
			if !pc.Active[slot%ChunkSize] {
				return engine.Change{}, errcode.Errorf(ErrParticipant, "report %d: participant %q is deregistered", i+1, r.Participant)
			}
			rc, ok := reports[c]
			if !ok {
				rc = reportChunk{}
				if err := readChunkOr(v, reportKey(b.Epoch, c), func(raw []byte) error { return decodeReportChunk(raw, &rc) }); err != nil {
					return engine.Change{}, err
				}
				reports[c] = rc
			}
			col := rc[r.Metric]
			if len(col) < ChunkSize {
				col = append(col, make([]uint64, ChunkSize-len(col))...)
				rc[r.Metric] = col
			}
			sum := col[slot%ChunkSize] + uint64(r.Count)
			if sum > CountMax {
				return engine.Change{}, errcode.Errorf(ErrCount, "report %d: %s's %s in epoch %d would reach %d; at most %d", i+1, r.Participant, r.Metric, b.Epoch, sum, uint64(CountMax))
			}
			col[slot%ChunkSize] = sum
		}
		ws := []engine.StateWrite{engine.WriteJSON(statusKey, st)}
		cs := make([]uint64, 0, len(reports))
		for c := range reports {
			cs = append(cs, c)
		}
		slices.Sort(cs)
		var buf []byte
		for _, c := range cs {
			ws = append(ws, writeReportChunk(reportKey(b.Epoch, c), reports[c], &buf))
		}
		return engine.Change{Kind: ledger.Config, Ref: "usage:report:" + strconv.FormatUint(b.Epoch, 10), State: ws}, nil
	})
}

// loaded is a close's input as read from state, with the participants
// whose payouts it posts.
type loaded struct {
	in       Input
	accounts []string              // by slot
	splits   map[int][]split.Share // by slot, for the few that have one
	version  Version
	legacy   map[uint64]*participantChunk // by chunk, participant chunks in an older version's JSON
}

// load reads what the close of epoch needs: participants up to slots, the
// epoch's counts and revenue, and the history the previous close left.
// With fromSnapshot, categories and active flags come from the epoch's own
// close snapshot (to recompute a closed epoch exactly as it was).
//
// The chunks are read one after the other (the View is not safe for
// concurrent use) and decoded on several goroutines as they arrive, each
// into its own slots. Errors are those of reading and decoding in order —
// every chunk's participants, counts and snapshot, then the history —
// whichever goroutine met them first.
func load(v engine.View, vs []Version, epoch, slots uint64, fromSnapshot bool) (*loaded, error) {
	ver, err := ConfigFor(vs, epoch)
	if err != nil {
		return nil, err
	}
	cfg := ver.Config
	n := int(slots)
	l := &loaded{version: ver, accounts: make([]string, n), splits: map[int][]split.Share{}}
	in := &l.in
	in.Epoch, in.Config = epoch, cfg
	in.IDs, in.Category, in.Active = make([]string, n), make([]string, n), make([]bool, n)
	in.Counts = make([][]uint64, len(cfg.Metrics))
	for m := range in.Counts {
		in.Counts[m] = make([]uint64, n)
	}
	cs := make([]chunkIn, chunks(slots))
	history := epoch > 0 // whether to read the previous close's snapshots still
	pipeline(len(cs), func(k int) bool {
		c, ci := uint64(k), &cs[k]
		var ok bool
		if ci.pc, ok, ci.readErr = v.State(chunkKey(c)); ci.readErr == nil && !ok {
			ci.readErr = notFound("participant chunk", strconv.FormatUint(c, 10))
		}
		if ci.readErr != nil {
			ci.failed = partParticipants
			return false
		}
		if ci.rc, ci.rcOK, ci.readErr = v.State(reportKey(epoch, c)); ci.readErr != nil {
			ci.failed = partReports
			return false
		}
		if fromSnapshot {
			if ci.own, ok, ci.readErr = v.State(snapshotKey(epoch, c)); ci.readErr == nil && !ok {
				ci.readErr = notFound("close snapshot", strconv.FormatUint(epoch, 10))
			}
			if ci.readErr != nil {
				ci.failed = partSnapshot
				return false
			}
		}
		if history {
			ci.hist, ci.histOK, ci.histErr = v.State(snapshotKey(epoch-1, c))
			history = ci.histErr == nil && ci.histOK // the previous epoch did not close, or had fewer participants
		}
		return true
	}, func(k int) {
		ci := &cs[k]
		lo, hi := chunkRange(uint64(k), slots)
		if ci.err = l.decodeChunk(ci, uint64(k), lo, hi, fromSnapshot); ci.err == nil && ci.histOK {
			ci.histSnap, ci.histErr = decodeHistory(ci.hist, epoch-1, uint64(k))
		}
	})
	for k := range cs {
		if err := cs[k].err; err != nil {
			return nil, err
		}
		for _, s := range cs[k].splits {
			l.splits[s.slot] = s.split
		}
		if pc := cs[k].legacy; pc != nil {
			if l.legacy == nil {
				l.legacy = map[uint64]*participantChunk{}
			}
			l.legacy[uint64(k)] = pc
		}
	}
	if epoch > 0 {
		if in.History, err = assembleHistory(cs); err != nil {
			return nil, err
		}
	}
	if raw, ok, err := v.State(revenueKey(epoch)); err != nil {
		return nil, err
	} else if ok {
		if in.Revenue, err = money.ParseUnits(string(raw)); err != nil {
			return nil, fmt.Errorf("revenue of epoch %d is corrupt: %w", epoch, err)
		}
	}
	return l, nil
}

// chunkIn is one chunk of a close's input: the raw values as read, then
// what decoding them left.
type chunkIn struct {
	pc, rc, own, hist []byte
	rcOK, histOK      bool
	readErr           error // why reading the part named by failed went wrong
	failed            int   // partNone, or the part whose read failed
	err               error // the chunk's first error, in the order of its parts
	splits            []slotSplit
	histSnap          snapshot // the previous close's snapshot
	histErr           error
	legacy            *participantChunk // the participants, when stored in an older version's JSON
}

// The parts of a chunk, in the order their errors come.
const (
	partNone = iota
	partParticipants
	partReports
	partSnapshot
)

type slotSplit struct {
	slot  int
	split []split.Share
}

// decodeChunk decodes one chunk's participants, counts and (with
// fromSnapshot) own snapshot into slots lo … hi-1 of the input, and
// returns the first error in that order. Only this chunk's slots are
// written.
func (l *loaded) decodeChunk(ci *chunkIn, c uint64, lo, hi int, fromSnapshot bool) error {
	if ci.failed == partParticipants {
		return ci.readErr
	}
	if err := l.decodeParticipants(ci, c, lo, hi); err != nil {
		return err
	}
	if ci.failed == partReports {
		return ci.readErr
	}
	if ci.rcOK {
		if err := l.decodeReports(ci.rc, c, lo, hi); err != nil {
			return err
		}
	}
	if ci.failed == partSnapshot {
		return ci.readErr
	}
	if fromSnapshot {
		var sn snapshot
		if err := decodeSnapshot(ci.own, &sn, false); err != nil {
			return corrupt("close snapshot", strconv.FormatUint(l.in.Epoch, 10), err)
		}
		in := &l.in
		copy(in.Category[lo:hi], sn.Category)
		for j := lo; j < hi; j++ {
			in.Active[j] = j-lo < len(sn.Active) && sn.Active[j-lo]
		}
	}
	return nil
}

// decodeParticipants decodes a participant chunk's IDs, accounts,
// categories and flags into slots lo … hi-1, and its splits of those
// slots into ci.splits. A chunk in an older version's JSON is kept in
// ci.legacy, for the close to write it again in the binary encoding.
func (l *loaded) decodeParticipants(ci *chunkIn, c uint64, lo, hi int) error {
	in := &l.in
	var n int // participants in the chunk, the fewest of any column
	var splits map[int][]split.Share
	if isBinary(ci.pc) {
		d := getDecoder()
		defer putDecoder(d)
		dst := &participantChunk{ID: in.IDs[lo:hi], Account: l.accounts[lo:hi], Category: in.Category[lo:hi], Active: in.Active[lo:hi]}
		var err error
		if n, splits, err = d.participantsInto(ci.pc, dst, false); err != nil {
			return corrupt("participant chunk", strconv.FormatUint(c, 10), err)
		}
	} else {
		pc := &participantChunk{}
		if err := decodeParticipantChunkJSON(ci.pc, pc); err != nil {
			return corrupt("participant chunk", strconv.FormatUint(c, 10), err)
		}
		n = min(len(pc.ID), len(pc.Account), len(pc.Category), len(pc.Active))
		copy(in.IDs[lo:hi], pc.ID)
		copy(in.Category[lo:hi], pc.Category)
		copy(in.Active[lo:hi], pc.Active)
		copy(l.accounts[lo:hi], pc.Account)
		splits, ci.legacy = pc.Split, pc
	}
	if want := hi - lo; n < want {
		return fmt.Errorf("usage: participant chunk %d has %d participants; want %d", c, n, want)
	}
	for j, sp := range splits {
		if lo+j < hi { // later slots were registered after the epoch closed
			ci.splits = append(ci.splits, slotSplit{lo + j, sp})
		}
	}
	return nil
}

// decodeReports decodes a report chunk's counts of the configured metrics
// into slots lo … hi-1.
func (l *loaded) decodeReports(raw []byte, c uint64, lo, hi int) error {
	in := &l.in
	cols := make([][]uint64, len(in.Counts))
	for m := range cols {
		cols[m] = in.Counts[m][lo:hi]
	}
	if isBinary(raw) {
		d := getDecoder()
		defer putDecoder(d)
		if err := d.reportsInto(raw, in.Config.Metrics, cols); err != nil {
			return corruptState(reportKey(in.Epoch, c), err)
		}
		return nil
	}
	var rc reportChunk
	if err := json.Unmarshal(raw, &rc); err != nil {
		return corruptState(reportKey(in.Epoch, c), err)
	}
	for m, metric := range in.Config.Metrics {
		copy(cols[m], rc[metric.Name])
	}
	return nil
}

// decodeHistory decodes chunk c of the snapshot epoch's close left.
func decodeHistory(raw []byte, epoch, c uint64) (snapshot, error) {
	var sn snapshot
	if err := decodeSnapshot(raw, &sn, true); err != nil {
		return snapshot{}, fmt.Errorf("close snapshot %d/%d is corrupt: %w", epoch, c, err)
	}
	return sn, nil
}

// assembleHistory joins the previous close's snapshots, chunk by chunk,
// up to the first chunk it did not write.
func assembleHistory(cs []chunkIn) (History, error) {
	var h History
	total := 0
	for k := range cs {
		if cs[k].histErr != nil {
			return h, cs[k].histErr
		}
		if !cs[k].histOK {
			break
		}
		total += len(cs[k].histSnap.Active)
	}
	if total > 0 {
		h.Streak, h.Smoothed = make([]uint64, 0, total), make([]uint64, 0, total)
	}
	done := 0 // slots assembled so far
	for c := range cs {
		if !cs[c].histOK {
			break
		}
		s := &cs[c].histSnap
		h.Streak = append(h.Streak, pad(s.History.Streak, len(s.Active))...)
		h.Smoothed = append(h.Smoothed, pad(s.History.Smoothed, len(s.Active))...)
		for k, col := range s.History.Past {
			if k == len(h.Past) {
				// A column first met here counts as zeros before, one
				// chunk's worth per chunk.
				h.Past = append(h.Past, make([]uint64, c*ChunkSize, c*ChunkSize+total-done))
			}
			h.Past[k] = append(h.Past[k], pad(col, len(s.Active))...)
		}
		done += len(s.Active)
		cs[c].histSnap = snapshot{} // assembled: let it go
	}
	return h, nil
}

func pad(col []uint64, n int) []uint64 {
	if len(col) >= n {
		return col[:n]
	}
	return append(col, make([]uint64, n-len(col))...)
}

func cut(col []uint64, lo, hi int) []uint64 {
	if col == nil {
		return nil
	}
	return col[lo:hi]
}

// CloseEpoch closes epoch at time at: it computes the epoch's payouts from the
// configuration in force, the participants, the epoch's reports and
// revenue, the carry-over and the funding account's balance, and writes
// one entry paying every participant from the funding account (by its
// split when it has one), the close snapshot and the summary with the
// statement's digest. Epochs close in order, each once.
//
// Refusals: ErrNotConfigured, ErrEpochClosed (it closed already, under
// another key), ErrEpochOrder, ErrEpochOpen, ledger.ErrPostingsMax.
func CloseEpoch(key string, at time.Time, epoch uint64) engine.Op {
	return op(key, "close", at, func(h *ledger.Hasher) { h.Uint(epoch) }, epoch, func(v engine.View) (engine.Change, error) {
		ch, _, err := closeEpoch(v, key, at, epoch)
		return ch, err
	})
}

func closeEpoch(v engine.View, key string, at time.Time, epoch uint64) (engine.Change, *Outcome, error) {
	st, err := ReadStatus(v)
	if err != nil {
		return engine.Change{}, nil, err
	}
	vs, err := ReadVersions(v)
	if err != nil {
		return engine.Change{}, nil, err
	}
	if len(vs) == 0 {
		return engine.Change{}, nil, errcode.Errorf(ErrNotConfigured, "the usage program has no configuration yet")
	}
	if epoch < st.NextClose {
		if s, err := ReadSummary(v, epoch); err == nil {
			return engine.Change{}, nil, errcode.Errorf(ErrEpochClosed, "epoch %d was closed by %q at %s; a closed epoch never changes", epoch, s.Key, s.ClosedAt.Format(time.RFC3339))
		}
		return engine.Change{}, nil, errcode.Errorf(ErrEpochClosed, "epoch %d precedes the program's first configured epoch %d", epoch, vs[0].Epoch)
	}
	if epoch > st.NextClose {
		return engine.Change{}, nil, errcode.Errorf(ErrEpochOrder, "epoch %d cannot close before epoch %d", epoch, st.NextClose)
	}
	ver, err := ConfigFor(vs, epoch)
	if err != nil {
		return engine.Change{}, nil, err
	}
	cfg := ver.Config
	if end := cfg.Epoch.End(epoch); at.Before(end) {
		return engine.Change{}, nil, errcode.Errorf(ErrEpochOpen, "epoch %d ends at %s; it cannot close at %s", epoch, end.Format(time.RFC3339), at.Format(time.RFC3339))
	}
	l, err := load(v, vs, epoch, st.Slots, false)
	if err != nil {
		return engine.Change{}, nil, err
	}
	bal, err := v.Balance(cfg.Pool.Account, cfg.Currency)
	if err != nil {
		return engine.Change{}, nil, err
	}
	if av := bal.Available(); !av.Negative {
		l.in.Funding = av.Amount
	}
	l.in.CarryIn = st.Carry
	o, err := Close(&l.in)
	if err != nil {
		return engine.Change{}, nil, err
	}
	ps, err := payouts(o, l.accounts, l.splits)
	if err != nil {
		return engine.Change{}, nil, err
	}
	h := o.Header()
	sum := Summary{
		Epoch: epoch, Key: key, ClosedAt: at, ConfigEpoch: ver.Epoch, Slots: st.Slots,
		Revenue: l.in.Revenue, CarryIn: l.in.CarryIn, Funding: l.in.Funding, Target: o.Target, Pool: o.Pool,
		Shortfall: o.Shortfall, Paid: o.Paid, CarryOut: o.CarryOut, Listed: h.Participants, PaidCount: h.PaidCount,
		Digest: o.Digest(), Notes: h.Notes,
	}
	ws := make([]engine.StateWrite, 0, len(l.legacy)+int(chunks(st.Slots))+2)
	var buf []byte
	ws = append(ws, migrate(l.legacy, &buf)...)
	for c := uint64(0); c < chunks(st.Slots); c++ {
		lo, hi := chunkRange(c, st.Slots)
		s := snapshot{Category: l.in.Category[lo:hi], Active: l.in.Active[lo:hi], History: History{
			Streak: cut(o.Next.Streak, lo, hi), Smoothed: cut(o.Next.Smoothed, lo, hi),
		}}
		for _, col := range o.Next.Past {
			s.History.Past = append(s.History.Past, col[lo:hi])
		}
		ws = append(ws, writeSnapshot(snapshotKey(epoch, c), &s, &buf))
	}
	last := epoch
	st.NextClose, st.Carry, st.LastClosed = epoch+1, o.CarryOut, &last
	ws = append(ws, engine.WriteJSON(summaryKey(epoch), storedSummary{sum, l.in.rules()}), engine.WriteJSON(statusKey, st))
	kind := ledger.Transfer
	if len(ps) == 0 {
		kind = ledger.Config // nothing paid: an entry without postings still records the close
	}
	ev := engine.Event{Type: "usage.epoch_closed", Data: mustJSON(map[string]any{"epoch": epoch, "pool": o.Pool, "paid": o.Paid, "carry_out": o.CarryOut, "shortfall": o.Shortfall, "statement_sha256": sum.Digest})}
	return engine.Change{Kind: kind, Ref: "usage:epoch-" + strconv.FormatUint(epoch, 10), Postings: ps, State: ws, Events: []engine.Event{ev}}, o, nil
}

// migrate returns the writes of participant chunks read in an older
// version's JSON, in the binary encoding, in chunk order: every close
// reads every participant chunk, and decoding JSON costs it seconds at a
// million participants, so the first close after an upgrade rewrites
// them (see chunks.go). A chunk whose columns disagree is left as it is
// for the operation that changes it to refuse.
func migrate(legacy map[uint64]*participantChunk, buf *[]byte) []engine.StateWrite {
	cs := make([]uint64, 0, len(legacy))
	for c := range legacy {
		cs = append(cs, c)
	}
	slices.Sort(cs)
	ws := make([]engine.StateWrite, 0, len(cs))
	for _, c := range cs {
		if pc := legacy[c]; pc.prepare() == nil {
			ws = append(ws, writeParticipantChunk(chunkKey(c), pc, buf))
		}
	}
	return ws
}

// payouts returns the postings of a close: each paid participant's amount
// from the pool account to its account, or by its split, in slot order.
//
// Slots are taken in blocks of pathsBlock on up to WorkersMax goroutines:
// a first pass counts each block's postings (allocating split payouts),
// so that a second can write every block into its own part of one slice.
// A million Path strings, each its own allocation, were a good part of a
// close's garbage; a block's Paths are instead substrings of one string
// of exactly their length. The bytes are the same; a Path kept after the
// entry keeps its block (some hundred kilobytes) alive, not the close's.
func payouts(o *Outcome, accounts []string, splits map[int][]split.Share) ([]ledger.Posting, error) {
	cfg := o.in.Config
	prefix := "usage:epoch-" + strconv.FormatUint(o.in.Epoch, 10) + " → " + cfg.Formula.Kind + " → "
	n := len(o.Amounts)
	type block struct {
		postings, pathBytes int
		parts               map[int][]money.Amount // by slot, of the block's split payouts
		err                 error
	}
	bs := make([]block, (n+pathsBlock-1)/pathsBlock)
	parallel(len(bs), func(k int) {
		b := &bs[k]
		for i := k * pathsBlock; i < min((k+1)*pathsBlock, n); i++ {
			a := o.Amounts[i]
			if a.IsZero() {
				continue
			}
			sp := splits[i] // concurrent reads of a map are safe
			if len(sp) == 0 {
				b.postings++
				b.pathBytes += len(prefix) + len(o.in.IDs[i]) + len(" → ") + len(accounts[i])
				continue
			}
			parts, err := split.AllocateShares(a, sp)
			if err != nil {
				b.err = err
				return
			}
			if b.parts == nil {
				b.parts = map[int][]money.Amount{}
			}
			b.parts[i] = parts
			for j, part := range parts {
				if !part.IsZero() {
					b.postings++
					b.pathBytes += len(prefix) + len(o.in.IDs[i]) + len(splitPath(sp[j])) + len(sp[j].Account)
				}
			}
		}
	})
	first := make([]int, len(bs)) // each block's first posting
	total := 0
	for k := range bs {
		if bs[k].err != nil {
			return nil, bs[k].err // the first in slot order, as one pass would find it
		}
		first[k] = total
		total += bs[k].postings
	}
	ps := make([]ledger.Posting, total)
	parallel(len(bs), func(k int) {
		b := &bs[k]
		out := ps[first[k] : first[k]+b.postings]
		var paths strings.Builder
		paths.Grow(b.pathBytes)
		ends := make([]int, 0, b.postings)
		for i := k * pathsBlock; i < min((k+1)*pathsBlock, n); i++ {
			a := o.Amounts[i]
			if a.IsZero() {
				continue
			}
			id := o.in.IDs[i]
			parts, ok := b.parts[i]
			if !ok {
				out[len(ends)] = ledger.Posting{From: cfg.Pool.Account, To: accounts[i], Currency: cfg.Currency, Amount: a}
				paths.WriteString(prefix)
				paths.WriteString(id)
				paths.WriteString(" → ")
				paths.WriteString(accounts[i])
				ends = append(ends, paths.Len())
				continue
			}
			sp := splits[i]
			for j, part := range parts {
				if part.IsZero() {
					continue
				}
				out[len(ends)] = ledger.Posting{From: cfg.Pool.Account, To: sp[j].Account, Currency: cfg.Currency, Amount: part}
				paths.WriteString(prefix)
				paths.WriteString(id)
				paths.WriteString(splitPath(sp[j]))
				paths.WriteString(sp[j].Account)
				ends = append(ends, paths.Len())
			}
		}
		all := paths.String() // exactly b.pathBytes: no copy, no spare room
		start := 0
		for j, end := range ends {
			out[j].Path = all[start:end]
			start = end
		}
	})
	return ps, nil
}

// splitPath is the part of a split posting's Path between the
// participant and the receiving account.
func splitPath(s split.Share) string {
	return " → split " + split.FormatShare(split.BasisPoints, s.ShareBP, TotalBP) + " → "
}

// pathsBlock is how many slots one goroutine pays at a time, and so how
// many postings at most share one string of Paths.
const pathsBlock = 4096

// Explain recomputes a closed epoch's statement from the stored inputs,
// under the rules revision it was closed with, and checks it against the
// digest stored at the close.
//
// Errors: ErrEpochOpen (not closed yet), ErrDigest, ledger.ErrNotFound.
func Explain(v engine.View, epoch uint64) (*Outcome, Summary, error) {
	o, sum, _, err := explain(v, epoch)
	return o, sum, err
}

// explain is Explain, keeping the epoch's loaded inputs.
func explain(v engine.View, epoch uint64) (*Outcome, Summary, *loaded, error) {
	st, err := ReadStatus(v)
	if err != nil {
		return nil, Summary{}, nil, err
	}
	if !st.Configured || epoch >= st.NextClose {
		return nil, Summary{}, nil, errcode.Errorf(ErrEpochOpen, "epoch %d is not closed; only closed epochs have statements", epoch)
	}
	stored, err := readSummary(v, epoch)
	if err != nil {
		return nil, Summary{}, nil, err
	}
	sum := stored.Summary
	vs, err := ReadVersions(v)
	if err != nil {
		return nil, Summary{}, nil, err
	}
	l, err := load(v, vs, epoch, sum.Slots, true)
	if err != nil {
		return nil, Summary{}, nil, err
	}
	l.in.Funding, l.in.CarryIn, l.in.Rules = sum.Funding, sum.CarryIn, stored.Rules
	o, err := Close(&l.in)
	if err != nil {
		return nil, Summary{}, nil, err
	}
	if d := o.Digest(); d != sum.Digest {
		return nil, Summary{}, nil, errcode.Errorf(ErrDigest, "epoch %d: recomputed statement %s differs from the stored %s; the stored inputs were changed", epoch, d, sum.Digest)
	}
	return o, sum, l, nil
}

// SimEpoch is one epoch of a what-if: the amounts actually paid and those
// an alternative configuration would have paid, by participant slot.
type SimEpoch struct {
	Epoch       uint64
	Actual, Alt *Outcome
}

// Simulate recomputes closed epochs from through to under cfg, writing
// nothing: the alternative's carry-over and history evolve under cfg from
// what was actually stored before from, and each epoch's funding is the
// balance the real close saw.
//
// Errors: those of Validate and Explain, ErrEpochOpen, ErrLimit.
func Simulate(v engine.View, cfg Config, from, to uint64) ([]SimEpoch, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if to < from || to-from >= 120 {
		return nil, errcode.Errorf(ErrLimit, "simulate epochs %d..%d; want from ≤ to and at most 120 epochs", from, to)
	}
	var out []SimEpoch
	var carry money.Amount
	var hist History
	for e := from; e <= to; e++ {
		actual, sum, err := Explain(v, e)
		if err != nil {
			return nil, err
		}
		if e == from {
			carry, hist = sum.CarryIn, actual.in.History
		}
		if !actual.in.Config.Epoch.SameEpochs(cfg.Epoch) || actual.in.Config.Currency != cfg.Currency {
			return nil, errcode.Errorf(ErrConfig, "a what-if keeps the program's epochs and currency; only the rules change")
		}
		in := actual.in
		alt := *in
		alt.Config, alt.CarryIn, alt.History = cfg, carry, hist
		alt.Counts = make([][]uint64, len(cfg.Metrics))
		for m, metric := range cfg.Metrics {
			if k, ok := in.Config.MetricIndex(metric.Name); ok {
				alt.Counts[m] = in.Counts[k]
			}
		}
		o, err := Close(&alt)
		if err != nil {
			return nil, err
		}
		carry, hist = o.CarryOut, o.Next
		out = append(out, SimEpoch{Epoch: e, Actual: actual, Alt: o})
	}
	return out, nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("usage: encoding %T: %v", v, err)) // plain data always encodes
	}
	return b
}
