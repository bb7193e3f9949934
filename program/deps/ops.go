package deps

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/splitbook"
)

// Program is the program's name: its state namespace and route segment.
const Program = "deps"

// State keys.
const (
	configKey = "config"
	statusKey = "status"
)

// indexBuckets is how many records the list of repo IDs is cut into, by
// the first byte of each ID's SHA-256: linking a repo rewrites one bucket
// (a 256th of the list), not the whole list.
const indexBuckets = 256

func indexKey(bucket int) string { return fmt.Sprintf("index/%02x", bucket) }

func bucketOf(id string) int { return int(sha256.Sum256([]byte(id))[0]) }

func repoKey(id string) string  { return "repo/" + id }
func pkgKey(name string) string { return "pkg/" + name }
func epochKey(n uint64) string  { return "epoch/" + strconv.FormatUint(n, 10) }
func planKey(n uint64) string   { return "plan/" + strconv.FormatUint(n, 10) }
func creditKey(a string) string { return "credit/" + a }

// usageKey holds epoch n's usage of the repos in one index bucket.
func usageKey(n uint64, bucket int) string {
	return fmt.Sprintf("usage/%d/%02x", n, bucket)
}

// Status is where the epochs stand: the next to open and the next to
// close. Epochs open and close in order.
type Status struct {
	NextOpen  uint64 `json:"next_open"`
	NextClose uint64 `json:"next_close"`
}

// Epoch states.
const (
	EpochOpen   = "open"
	EpochClosed = "closed"
)

// EpochState is an epoch's state as stored beside its plan: the
// settlement and credit the close will post, computed at open from the
// plan (so that a close reads this, not the plan's every stream).
type EpochState struct {
	Epoch      uint64     `json:"epoch"`
	State      string     `json:"state" jsonschema:"enum=open,enum=closed"`
	Opened     time.Time  `json:"opened"`
	Closed     time.Time  `json:"closed,omitzero"`
	Settlement Settlement `json:"settlement"`
	Credits    []Part     `json:"credits"`
	// Escrow is what each unlinked package accrues in the epoch, by the
	// treasury it came from (what an expiry refunds).
	Escrow []Escrow `json:"escrow,omitempty"`
	// Released is the escrow the close paid out: to packages linked since,
	// or, past escrow_epochs, back to the payers or to the sleeper pool.
	Released []Release `json:"released,omitempty"`
	// SleeperPaid is what the sleeper pool paid at the close, by repo.
	SleeperPaid []Income `json:"sleeper_paid,omitempty"`
}

// Escrow is an unlinked package's escrow: since the epoch it first
// accrued, by the treasury each part came from.
type Escrow struct {
	Package string `json:"package"`
	Since   uint64 `json:"since"`
	ByPayer []Part `json:"by_payer"`
}

// Release is escrow paid out at a close.
type Release struct {
	Package string `json:"package"`
	// To is the repo the package was linked to, or "refund" or "sleeper"
	// when it expired.
	To    string `json:"to"`
	Parts []Part `json:"parts"`
}

// EpochRecord is an epoch's statement: its plan from the open and, once
// closed, its settlement.
type EpochRecord struct {
	State      string      `json:"state" jsonschema:"enum=open,enum=closed"`
	Opened     time.Time   `json:"opened"`
	Closed     time.Time   `json:"closed,omitzero"`
	Plan       Plan        `json:"plan"`
	Settlement *Settlement `json:"settlement,omitempty"`
	// Released and SleeperPaid are the escrow and the sleeper pool the
	// close paid out.
	Released    []Release `json:"released,omitempty"`
	SleeperPaid []Income  `json:"sleeper_paid,omitempty"`
}

// Graph is what a repo's lockfile left: its summary and the packages the
// repo depends on directly, by name.
type Graph struct {
	Format   string   `json:"format"`
	Packages int      `json:"packages"`
	Edges    int      `json:"edges"`
	Cycles   int      `json:"cycles"`
	Deps     []string `json:"deps"`
}

// Count is a dependency's usage in an epoch: metered calls (ci and prod)
// and self-reported ones. Its weight is the larger.
type Count struct {
	Metered uint64 `json:"metered"`
	Self    uint64 `json:"self,omitempty"`
}

// Weight is the larger of metered and self-reported: a dependent may
// report more than it was metered, never less.
func (c Count) Weight() uint64 { return max(c.Metered, c.Self) }

// ReadParams returns the configuration.
//
// Errors: ErrNotConfigured.
func ReadParams(v engine.View) (Params, error) {
	var p Params
	raw, ok, err := v.State(configKey)
	if err != nil {
		return p, err
	}
	if !ok {
		return p, errcode.Errorf(ErrNotConfigured, "the dependency-streams program has no configuration; an admin sets it with PUT /v1/deps/config")
	}
	return p, json.Unmarshal(raw, &p)
}

// ReadRepo returns a linked repo.
//
// Errors: ErrRepoUnknown.
func ReadRepo(v engine.View, id string) (Repo, error) {
	var r Repo
	raw, ok, err := v.State(repoKey(id))
	if err != nil {
		return r, err
	}
	if !ok {
		return r, errcode.Errorf(ErrRepoUnknown, "repo %q is not linked", id)
	}
	return r, json.Unmarshal(raw, &r)
}

// ReadStatus returns the epochs' status.
func ReadStatus(v engine.View) (Status, error) {
	var s Status
	return s, engine.ReadJSONOr(v, statusKey, &s)
}

// ReadEpoch returns an epoch's statement: its plan and, once closed, its
// settlement.
//
// Errors: ErrEpochUnknown.
func ReadEpoch(v engine.View, n uint64) (EpochRecord, error) {
	st, err := readEpochState(v, n)
	if err != nil {
		return EpochRecord{}, err
	}
	rec := EpochRecord{State: st.State, Opened: st.Opened, Closed: st.Closed}
	if st.State == EpochClosed {
		rec.Settlement, rec.Released, rec.SleeperPaid = &st.Settlement, st.Released, st.SleeperPaid
	}
	return rec, engine.ReadJSON(v, planKey(n), "epoch plan", strconv.FormatUint(n, 10), &rec.Plan)
}

func readEpochState(v engine.View, n uint64) (EpochState, error) {
	var e EpochState
	raw, ok, err := v.State(epochKey(n))
	if err != nil {
		return e, err
	}
	if !ok {
		return e, errcode.Errorf(ErrEpochUnknown, "epoch %d was not opened", n)
	}
	return e, json.Unmarshal(raw, &e)
}

// ReadCredit returns a contributor's cumulative credit.
func ReadCredit(v engine.View, account string) (money.Amount, error) {
	c := money.Zero
	return c, engine.ReadJSONOr(v, creditKey(account), &c)
}

// readIndex returns every linked repo's ID, sorted.
func readIndex(v engine.View) ([]string, error) {
	var all []string
	for b := 0; b < indexBuckets; b++ {
		ids, err := readBucket(v, b)
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
	}
	slices.Sort(all)
	return all, nil
}

func readBucket(v engine.View, b int) ([]string, error) {
	var ids []string
	return ids, engine.ReadJSONOr(v, indexKey(b), &ids)
}

// readUsage returns epoch n's usage of the repos of one bucket: from →
// to → count.
func readUsage(v engine.View, n uint64, bucket int) (map[string]map[string]Count, error) {
	u := map[string]map[string]Count{}
	return u, engine.ReadJSONOr(v, usageKey(n, bucket), &u)
}

// op is an operation of the program whose digest has the fields fields
// adds (engine.ProgramOp; there is no older digest to replay).
func op(key, what string, at time.Time, fields func(*ledger.Hasher), run func(engine.View) (engine.Change, error)) engine.Op {
	o := engine.ProgramOp(Program, key, what, at, fields, nil, run)
	o.Reads = []string{splitbook.Program} // contributors that are splits (contributors.go)
	return o
}

func configure(kind, id, action string, writes ...engine.StateWrite) engine.Change {
	return engine.ConfigChange("deps:"+id, "deps_"+kind, id, action, writes...)
}

// SetParams sets the configuration. Once an epoch was opened, its
// currency, anchor and epoch length never change, so that epoch numbers
// and amounts mean one thing forever.
//
// Refusals: ErrConfig, money.ErrUnknownCurrency.
func SetParams(key string, at time.Time, p Params, currencies ledger.Currencies) engine.Op {
	return op(key, "config", at, func(h *ledger.Hasher) {
		h.String(p.Currency).Time(p.Anchor).Uint(p.EpochSeconds).Amount(p.BaseRate.Public).Amount(p.BaseRate.Private).Amount(p.BaseRate.NoTelemetry)
		h.Uint(p.SleeperBP).Uint(uint64(p.DepthMax)).Uint(uint64(len(p.PassBP)))
		for _, bp := range p.PassBP {
			h.Uint(bp)
		}
		h.Amount(p.PassMin).Uint(p.EscrowEpochs).String(p.EscrowExpiry).Bool(p.Sleeper != nil)
		if s := p.Sleeper; s != nil {
			h.Uint(s.AgeBP).Uint(s.DependentsBP).Uint(s.ReleasesBP).String(s.Formula.Kind).Uint(s.Formula.DecayBP).String(s.Formula.Remainder).Uint(s.Formula.Ranks).Uint(s.CapBP).Uint(s.MaxCalls)
		}
	}, func(v engine.View) (engine.Change, error) {
		valid, err := p.Validate(currencies)
		if err != nil {
			return engine.Change{}, err
		}
		st, err := ReadStatus(v)
		if err != nil {
			return engine.Change{}, err
		}
		if st.NextOpen > 0 {
			old, err := ReadParams(v)
			if err != nil {
				return engine.Change{}, err
			}
			if old.Currency != valid.Currency || !old.Anchor.Equal(valid.Anchor) || old.EpochSeconds != valid.EpochSeconds {
				return engine.Change{}, errcode.Errorf(ErrConfig, "currency, anchor and epoch_seconds are fixed once an epoch was opened (%s, %s, %d)", old.Currency, old.Anchor.Format(time.RFC3339), old.EpochSeconds)
			}
		}
		return configure("config", "config", "set", engine.WriteJSON(configKey, valid)), nil
	})
}

// LinkRepo links a repo with the packages it publishes (a configurator's
// or an admin's act: the caller checks).
//
// Refusals: those of ValidateRepo and ValidatePackage, ErrRepoExists,
// ErrPackageTaken, ErrLimit.
func LinkRepo(key string, at time.Time, r Repo) engine.Op {
	return op(key, "repo", at, func(h *ledger.Hasher) {
		h.String(r.ID).String(r.Owner).String(r.Treasury).String(r.Visibility).String(r.ForkOf).Strings(r.Packages)
	}, func(v engine.View) (engine.Change, error) {
		writes, err := link(v, []Repo{r})
		if err != nil {
			return engine.Change{}, err
		}
		return configure("repo", r.ID, "linked", writes...), nil
	})
}

// LinkReposMax bounds a batch of links.
const LinkReposMax = 10000

// LinkRepos links up to LinkReposMax repos in one write, all or none,
// with the refusals of LinkRepo (a repo or package listed twice among
// them included).
func LinkRepos(key string, at time.Time, rs []Repo) engine.Op {
	return op(key, "repos", at, func(h *ledger.Hasher) {
		h.Uint(uint64(len(rs)))
		for _, r := range rs {
			h.String(r.ID).String(r.Owner).String(r.Treasury).String(r.Visibility).String(r.ForkOf).Strings(r.Packages)
		}
	}, func(v engine.View) (engine.Change, error) {
		if len(rs) == 0 || len(rs) > LinkReposMax {
			return engine.Change{}, errcode.Errorf(ErrLimit, "a batch links 1 to %d repos; got %d", LinkReposMax, len(rs))
		}
		writes, err := link(v, rs)
		if err != nil {
			return engine.Change{}, err
		}
		return engine.Change{Kind: ledger.Config, Ref: "deps:repos", State: writes}, nil
	})
}

// link returns the writes that link rs: each repo, its packages, and the
// index buckets they enter.
func link(v engine.View, rs []Repo) ([]engine.StateWrite, error) {
	var writes []engine.StateWrite
	buckets := map[int][]string{}
	taken := map[string]string{} // packages mapped by this batch
	for _, r := range rs {
		r.Asset, r.Meta = DefaultAsset(), Meta{}
		if err := ValidateRepo(r); err != nil {
			return nil, err
		}
		b := bucketOf(r.ID)
		ids, ok := buckets[b]
		if !ok {
			var err error
			if ids, err = readBucket(v, b); err != nil {
				return nil, err
			}
		}
		i, found := slices.BinarySearch(ids, r.ID)
		if found {
			return nil, errcode.Errorf(ErrRepoExists, "repo %q is linked already", r.ID)
		}
		buckets[b] = slices.Insert(ids, i, r.ID)
		for _, p := range r.Packages {
			if other, ok := taken[p]; ok {
				return nil, errcode.Errorf(ErrPackageTaken, "package %s is mapped to repo %s; a package maps to one repo", p, other)
			}
			taken[p] = r.ID
		}
		pw, err := mapPackages(v, r.ID, nil, r.Packages)
		if err != nil {
			return nil, err
		}
		if r.Packages == nil {
			r.Packages = []string{}
		}
		writes = append(append(writes, pw...), engine.WriteJSON(repoKey(r.ID), r))
	}
	for _, b := range slices.Sorted(maps.Keys(buckets)) {
		writes = append(writes, engine.WriteJSON(indexKey(b), buckets[b]))
	}
	return writes, nil
}

// mapPackages returns the writes that map pkgs to repo id instead of old.
//
// Errors: ValidatePackage's, ErrPackageTaken, ErrLimit.
func mapPackages(v engine.View, id string, old, pkgs []string) ([]engine.StateWrite, error) {
	if len(pkgs) > PackagesMax {
		return nil, errcode.Errorf(ErrLimit, "repo %s lists %d packages; at most %d", id, len(pkgs), PackagesMax)
	}
	var writes []engine.StateWrite
	seen := map[string]bool{}
	for _, p := range pkgs {
		if err := ValidatePackage(p); err != nil {
			return nil, err
		}
		if seen[p] {
			return nil, errcode.Errorf(ErrPackageTaken, "package %s is listed twice", p)
		}
		seen[p] = true
		var owner struct{ Repo string }
		if err := engine.ReadJSONOr(v, pkgKey(p), &owner); err != nil {
			return nil, err
		}
		if owner.Repo != "" && owner.Repo != id {
			return nil, errcode.Errorf(ErrPackageTaken, "package %s is mapped to repo %s; a package maps to one repo (unmap it there first)", p, owner.Repo)
		}
		writes = append(writes, engine.WriteJSON(pkgKey(p), map[string]string{"repo": id}))
	}
	for _, p := range old {
		if !seen[p] {
			writes = append(writes, engine.StateWrite{Key: pkgKey(p)})
		}
	}
	return writes, nil
}

// MapPackages replaces the packages a repo publishes (configurators only).
//
// Refusals: ErrRepoUnknown and those of mapPackages.
func MapPackages(key string, at time.Time, id string, pkgs []string) engine.Op {
	return op(key, "packages", at, func(h *ledger.Hasher) { h.String(id).Strings(pkgs) }, func(v engine.View) (engine.Change, error) {
		r, err := ReadRepo(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		writes, err := mapPackages(v, id, r.Packages, pkgs)
		if err != nil {
			return engine.Change{}, err
		}
		r.Packages = append([]string{}, pkgs...)
		return configure("packages", id, "mapped", append(writes, engine.WriteJSON(repoKey(id), r))...), nil
	})
}

// SetMeta sets a repo's fallback metadata (configurators only).
//
// Refusals: ErrRepoUnknown.
func SetMeta(key string, at time.Time, id string, m Meta) engine.Op {
	return op(key, "meta", at, func(h *ledger.Hasher) {
		h.String(id).Uint(m.Stars).Uint(m.Commits90).Uint(m.AgeDays).Uint(m.Dependents).Uint(m.StableReleases).Uint(m.OpenAdvisories)
	}, func(v engine.View) (engine.Change, error) {
		r, err := ReadRepo(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		if m.Stars > 1<<31 || m.Commits90 > 1<<31 {
			return engine.Change{}, errcode.Errorf(ErrRepo, "stars %d, commits_90d %d; each at most 2^31", m.Stars, m.Commits90)
		}
		r.Meta = m
		return configure("meta", id, "set", engine.WriteJSON(repoKey(id), r)), nil
	})
}

// ApplyAsset applies a repo's asset.toml; it counts from the next epoch
// that opens.
//
// Refusals: ErrRepoUnknown and those of ParseAsset.
func ApplyAsset(key string, at time.Time, id string, doc string) engine.Op {
	return op(key, "asset", at, func(h *ledger.Hasher) { h.String(id).String(doc) }, func(v engine.View) (engine.Change, error) {
		a, err := ParseAsset([]byte(doc))
		if err != nil {
			return engine.Change{}, err
		}
		r, err := ReadRepo(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		r.Asset = a
		if err := checkSplits(v, r); err != nil {
			return engine.Change{}, err
		}
		return configure("asset", id, "applied", engine.WriteJSON(repoKey(id), r)), nil
	})
}

// StoreGraph stores the graph a repo's lockfile resolved to; digest names
// the lockfile's bytes (what the request sent).
//
// Refusals: ErrRepoUnknown.
func StoreGraph(key string, at time.Time, id string, digest ledger.Hash, g Graph) engine.Op {
	return op(key, "lockfile", at, func(h *ledger.Hasher) { h.String(id).String(string(digest[:])) }, func(v engine.View) (engine.Change, error) {
		r, err := ReadRepo(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		if g.Deps == nil {
			g.Deps = []string{}
		}
		r.Graph = &g
		return configure("lockfile", id, "stored", engine.WriteJSON(repoKey(id), r)), nil
	})
}

// Report is one aggregate usage count: repo From called To (a repo ID or
// a package name) Calls times in Epoch, as Source measured.
type Report struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Calls  uint64 `json:"calls"`
	Epoch  uint64 `json:"epoch"`
	Source string `json:"source" jsonschema:"enum=ci,enum=prod,enum=self_report"`
}

// Sources of a report.
const (
	SourceCI   = "ci"
	SourceProd = "prod"
	SourceSelf = "self_report"
)

// ReportsMax bounds a batch of reports.
const ReportsMax = 10000

// RecordUsage adds a batch of reports, all or none. Reports of a closed
// epoch are refused; only a private repo may self-report.
//
// Refusals: ErrUsage, ErrRepoUnknown, ErrEpochClosed, ErrLimit.
func RecordUsage(key string, at time.Time, reports []Report) engine.Op {
	return op(key, "usage", at, func(h *ledger.Hasher) {
		h.Uint(uint64(len(reports)))
		for _, r := range reports {
			h.String(r.From).String(r.To).Uint(r.Calls).Uint(r.Epoch).String(r.Source)
		}
	}, func(v engine.View) (engine.Change, error) {
		if len(reports) == 0 || len(reports) > ReportsMax {
			return engine.Change{}, errcode.Errorf(ErrLimit, "a batch holds 1 to %d reports; got %d", ReportsMax, len(reports))
		}
		st, err := ReadStatus(v)
		if err != nil {
			return engine.Change{}, err
		}
		type eb struct {
			n      uint64
			bucket int
		}
		buckets := map[eb]map[string]map[string]Count{}
		var order []eb
		checked := map[string]bool{} // repos read, and whether each may self-report
		for i, r := range reports {
			if err := checkReport(i, r); err != nil {
				return engine.Change{}, err
			}
			if r.Epoch < st.NextClose {
				return engine.Change{}, errcode.Errorf(ErrEpochClosed, "report %d is for epoch %d, which is closed; reports are taken for epoch %d on", i, r.Epoch, st.NextClose)
			}
			private, ok := checked[r.From]
			if !ok {
				repo, err := ReadRepo(v, r.From)
				if err != nil {
					return engine.Change{}, err
				}
				private = repo.Visibility == Private
				checked[r.From] = private
			}
			if r.Source == SourceSelf && !private {
				return engine.Change{}, errcode.Errorf(ErrUsage, "report %d: repo %s is public; only a private (closed-source) repo self-reports, public ones are metered (ci, prod)", i, r.From)
			}
			k := eb{r.Epoch, bucketOf(r.From)}
			u, ok := buckets[k]
			if !ok {
				var err error
				if u, err = readUsage(v, k.n, k.bucket); err != nil {
					return engine.Change{}, err
				}
				buckets[k] = u
				order = append(order, k)
			}
			if u[r.From] == nil {
				u[r.From] = map[string]Count{}
			}
			cnt := u[r.From][r.To]
			var overflow bool
			if r.Source == SourceSelf {
				cnt.Self, overflow = addU(cnt.Self, r.Calls)
			} else {
				cnt.Metered, overflow = addU(cnt.Metered, r.Calls)
			}
			if overflow {
				return engine.Change{}, errcode.Errorf(ErrUsage, "report %d: %s → %s's calls in epoch %d pass 2^64-1", i, r.From, r.To, r.Epoch)
			}
			u[r.From][r.To] = cnt
		}
		writes := make([]engine.StateWrite, 0, len(order))
		for _, k := range order {
			writes = append(writes, engine.WriteJSON(usageKey(k.n, k.bucket), buckets[k]))
		}
		return engine.Change{Kind: ledger.Config, Ref: "deps:usage", State: writes}, nil
	})
}

func addU(a, b uint64) (uint64, bool) {
	s := a + b
	return s, s < a
}

// checkReport checks one report's fields.
func checkReport(i int, r Report) error {
	if err := ValidateID("from", r.From); err != nil {
		return errcode.Errorf(ErrUsage, "report %d: %v", i, err)
	}
	if err := ValidateID("to", r.To); err != nil {
		return errcode.Errorf(ErrUsage, "report %d: %v", i, err)
	}
	if r.Source != SourceCI && r.Source != SourceProd && r.Source != SourceSelf {
		return errcode.Errorf(ErrUsage, "report %d: source %q; want ci, prod or self_report", i, r.Source)
	}
	if r.Epoch >= EpochsMax {
		return errcode.Errorf(ErrUsage, "report %d: epoch %d; at most %d", i, r.Epoch, EpochsMax-1)
	}
	return nil
}

// World reads the world epoch n opens on: every linked repo, its graph,
// the usage of the last closed epoch, what each treasury holds, and the
// split book's splits the repos' contributors name.
func world(v engine.View, p Params, st Status) (World, error) {
	w := World{Params: p, Deps: map[string][]string{}, Usage: map[string]map[string]uint64{}, Available: map[string]money.Amount{}}
	ids, err := readIndex(v)
	if err != nil {
		return w, err
	}
	if st.NextClose > 0 {
		for b := 0; b < indexBuckets; b++ {
			u, err := readUsage(v, st.NextClose-1, b)
			if err != nil {
				return w, err
			}
			for from, tos := range u {
				m := make(map[string]uint64, len(tos))
				for to, c := range tos {
					m[to] = c.Weight()
				}
				w.Usage[from] = m
			}
		}
	}
	for _, id := range ids {
		r, err := ReadRepo(v, id)
		if err != nil {
			return w, err
		}
		w.Repos = append(w.Repos, r)
		if r.Graph != nil && len(r.Graph.Deps) > 0 {
			w.Deps[id] = r.Graph.Deps
		}
		if len(w.Deps[id]) == 0 {
			continue // it pays nothing: its treasury is not read
		}
		if _, seen := w.Available[r.Treasury]; !seen {
			b, err := v.Balance(r.Treasury, p.Currency)
			if err != nil {
				return w, err
			}
			av := b.Available()
			w.Available[r.Treasury] = money.Zero
			if !av.Negative {
				w.Available[r.Treasury] = av.Amount
			}
		}
	}
	w.Splits, err = readSplits(v, w.Repos)
	return w, err
}

// OpenEpoch opens epoch n: it fixes the epoch's streams from the
// configuration and the usage of the last closed epoch, and reserves every
// payer's budget from its treasury into the epoch's reserve (for what the
// treasury holds, never more).
//
// Refusals: ErrNotConfigured, ErrEpochState (not the next to open).
func OpenEpoch(key string, at time.Time, n uint64) engine.Op {
	return op(key, "open", at, func(h *ledger.Hasher) { h.Uint(n) }, func(v engine.View) (engine.Change, error) {
		p, err := ReadParams(v)
		if err != nil {
			return engine.Change{}, err
		}
		st, err := ReadStatus(v)
		if err != nil {
			return engine.Change{}, err
		}
		if n != st.NextOpen {
			return engine.Change{}, errcode.Errorf(ErrEpochState, "epoch %d cannot open: epochs open in order and the next is %d", n, st.NextOpen)
		}
		w, err := world(v, p, st)
		if err != nil {
			return engine.Change{}, err
		}
		plan, err := Rule(n, w)
		if err != nil {
			return engine.Change{}, err
		}
		settlement, err := Settle(plan)
		if err != nil {
			return engine.Change{}, err
		}
		credits, err := Credits(plan)
		if err != nil {
			return engine.Change{}, err
		}
		st.NextOpen = n + 1
		es := EpochState{Epoch: n, State: EpochOpen, Opened: at, Settlement: settlement, Credits: credits, Escrow: EscrowOf(plan)}
		ch := engine.Change{Kind: ledger.Config, Ref: "deps:epoch:" + strconv.FormatUint(n, 10),
			State: []engine.StateWrite{engine.WriteJSON(planKey(n), plan), engine.WriteJSON(epochKey(n), es), engine.WriteJSON(statusKey, st)}}
		for _, pl := range plan.Payers {
			if !pl.Reserved.IsZero() {
				ch.Postings = append(ch.Postings, ledger.Posting{From: pl.Treasury, To: ReserveAccount(n), Currency: p.Currency, Amount: pl.Reserved,
					Path: fmt.Sprintf("deps:epoch:%d → reserve %s's budget (%s)", n, pl.Repo, pl.Class)})
			}
		}
		if len(ch.Postings) > 0 {
			ch.Kind = ledger.Transfer
		}
		return ch, nil
	})
}

// CloseEpoch closes epoch n at its end or later: the reservations are
// posted as the plan computed them (aggregated per account: one posting
// per recipient account, refund, pool and escrow; the per-stream lines
// stay in the statement), each recipient's income split over its
// contributors, and the contributors' credit counted.
//
// Refusals: ErrEpochUnknown, ErrEpochClosed, ErrEpochState (not ended, or
// an earlier epoch is still open).
func CloseEpoch(key string, at time.Time, n uint64) engine.Op {
	return op(key, "close", at, func(h *ledger.Hasher) { h.Uint(n) }, func(v engine.View) (engine.Change, error) {
		es, err := readEpochState(v, n)
		if err != nil {
			return engine.Change{}, err
		}
		if es.State == EpochClosed {
			return engine.Change{}, errcode.Errorf(ErrEpochClosed, "epoch %d was closed at %s", n, es.Closed.Format(time.RFC3339))
		}
		st, err := ReadStatus(v)
		if err != nil {
			return engine.Change{}, err
		}
		if n != st.NextClose {
			return engine.Change{}, errcode.Errorf(ErrEpochState, "epoch %d cannot close before epoch %d", n, st.NextClose)
		}
		p, err := ReadParams(v)
		if err != nil {
			return engine.Change{}, err
		}
		if end := p.End(n); at.Before(end) {
			return engine.Change{}, errcode.Errorf(ErrEpochState, "epoch %d ends at %s; it cannot close at %s", n, end.Format(time.RFC3339), at.UTC().Format(time.RFC3339))
		}
		es.State, es.Closed = EpochClosed, at
		st.NextClose = n + 1
		ref := "deps:epoch:" + strconv.FormatUint(n, 10)
		ch := engine.Change{Kind: ledger.Config, Ref: ref, State: []engine.StateWrite{engine.WriteJSON(epochKey(n), es), engine.WriteJSON(statusKey, st)}}
		for _, part := range es.Settlement.Parts {
			ch.Postings = append(ch.Postings, ledger.Posting{From: ReserveAccount(n), To: part.Account, Currency: p.Currency, Amount: part.Amount, Path: ref + " → " + part.Account})
		}
		if len(ch.Postings) > 0 {
			ch.Kind = ledger.Transfer
		}
		released, writes, err := releaseEscrow(v, p, n, es.Escrow)
		if err != nil {
			return engine.Change{}, err
		}
		es.Released = released
		ch.State = append(ch.State, writes...)
		ch.State[0] = engine.WriteJSON(epochKey(n), es)
		for _, r := range released {
			for _, part := range r.Parts {
				ch.Postings = append(ch.Postings, ledger.Posting{From: EscrowAccount(r.Package), To: part.Account, Currency: p.Currency, Amount: part.Amount, Path: ref + " → escrow " + r.Package + " → " + r.To})
			}
		}
		if len(ch.Postings) > 0 {
			ch.Kind = ledger.Transfer
		}
		if p.Sleeper != nil {
			paid, err := paySleepers(v, p, n, es.Settlement.Sleeper, released)
			if err != nil {
				return engine.Change{}, err
			}
			es.SleeperPaid = paid
			ch.State[0] = engine.WriteJSON(epochKey(n), es)
			for _, in := range paid {
				for _, part := range in.Parts {
					ch.Postings = append(ch.Postings, ledger.Posting{From: SleeperAccount, To: part.Account, Currency: p.Currency, Amount: part.Amount, Path: ref + " → sleeper pool → " + in.Repo + " → " + part.Account})
				}
			}
			if len(ch.Postings) > 0 {
				ch.Kind = ledger.Transfer
			}
		}
		for _, c := range es.Credits {
			old, err := ReadCredit(v, c.Account)
			if err != nil {
				return engine.Change{}, err
			}
			sum, err := old.Add(c.Amount)
			if err != nil {
				return engine.Change{}, err
			}
			ch.State = append(ch.State, engine.WriteJSON(creditKey(c.Account), sum))
		}
		return ch, nil
	})
}

// Recompute recomputes epoch n under the configuration p, writing nothing
// (`tributary deps simulate`): from the repos and graphs as stored now and
// the usage of epoch n-1. What a treasury held at the epoch's open is not
// stored; the recomputation takes it to have held what it reserved then,
// or, when it covered the whole budget then, enough for any budget.
//
// Errors: ErrConfig and those of reading the state.
func Recompute(v engine.View, p Params, n uint64) (Plan, error) {
	p, err := p.Validate(nil)
	if err != nil {
		return Plan{}, err
	}
	w, err := world(v, p, Status{NextClose: n})
	if err != nil {
		return Plan{}, err
	}
	if rec, err := ReadEpoch(v, n); err == nil {
		for k := range w.Available {
			w.Available[k] = money.Max
		}
		for _, pl := range rec.Plan.Payers {
			if !pl.Shortfall.IsZero() {
				w.Available[pl.Treasury] = pl.Reserved
			}
		}
	}
	return Rule(n, w)
}

// escrowIndexKey lists the packages that hold escrow.
const escrowIndexKey = "escrows"

func escrowKey(pkg string) string { return "escrow/" + pkg }

// EscrowOf returns what each unlinked package accrues in a plan, by the
// payer's treasury, in package order.
func EscrowOf(plan Plan) []Escrow {
	treasury := make(map[string]string, len(plan.Payers))
	for _, p := range plan.Payers {
		treasury[p.Repo] = p.Treasury
	}
	by := map[string]map[string]money.Amount{}
	for _, s := range plan.Streams {
		if !s.Escrow || s.Kept.IsZero() {
			continue
		}
		if by[s.To()] == nil {
			by[s.To()] = map[string]money.Amount{}
		}
		t := treasury[s.Payer]
		by[s.To()][t] = mustAdd(by[s.To()][t], s.Kept)
	}
	out := make([]Escrow, 0, len(by))
	for _, pkg := range slices.Sorted(maps.Keys(by)) {
		e := Escrow{Package: pkg, Since: plan.Epoch}
		for _, t := range slices.Sorted(maps.Keys(by[pkg])) {
			e.ByPayer = append(e.ByPayer, Part{Account: t, Amount: by[pkg][t]})
		}
		out = append(out, e)
	}
	return out
}

// releaseEscrow adds an epoch's escrow to the packages' records and pays
// out what is due at its close: a package linked since to its repo (split
// over the repo's contributors as they stand, or to its owner); a package
// unlinked for escrow_epochs back to each payer as it paid, or to the
// sleeper pool. It returns the releases and the state writes.
func releaseEscrow(v engine.View, p Params, n uint64, accrued []Escrow) ([]Release, []engine.StateWrite, error) {
	var pkgs []string
	if err := engine.ReadJSONOr(v, escrowIndexKey, &pkgs); err != nil {
		return nil, nil, err
	}
	records := map[string]*Escrow{}
	for _, pkg := range pkgs {
		var e Escrow
		if err := engine.ReadJSON(v, escrowKey(pkg), "escrow", pkg, &e); err != nil {
			return nil, nil, err
		}
		records[pkg] = &e
	}
	for _, a := range accrued {
		e, ok := records[a.Package]
		if !ok {
			e = &Escrow{Package: a.Package, Since: n}
			records[a.Package] = e
		}
		e.ByPayer = mergeParts(e.ByPayer, a.ByPayer)
	}
	var released []Release
	var writes []engine.StateWrite
	var keep []string
	for _, pkg := range slices.Sorted(maps.Keys(records)) {
		e := records[pkg]
		var owner struct{ Repo string }
		if err := engine.ReadJSONOr(v, pkgKey(pkg), &owner); err != nil {
			return nil, nil, err
		}
		total := money.Zero
		for _, part := range e.ByPayer {
			total = mustAdd(total, part.Amount)
		}
		switch {
		case owner.Repo != "":
			r, err := ReadRepo(v, owner.Repo)
			if err != nil {
				return nil, nil, err
			}
			parts, err := repoIncome(v, r, total)
			if err != nil {
				return nil, nil, err
			}
			released = append(released, Release{Package: pkg, To: r.ID, Parts: nonZero(parts)})
		case n+1-e.Since >= p.EscrowEpochs && p.EscrowExpiry == ExpirySleeper:
			released = append(released, Release{Package: pkg, To: ExpirySleeper, Parts: []Part{{Account: SleeperAccount, Amount: total}}})
		case n+1-e.Since >= p.EscrowEpochs:
			released = append(released, Release{Package: pkg, To: ExpiryRefund, Parts: e.ByPayer})
		default:
			keep = append(keep, pkg)
			writes = append(writes, engine.WriteJSON(escrowKey(pkg), e))
			continue
		}
		writes = append(writes, engine.StateWrite{Key: escrowKey(pkg)})
	}
	if keep == nil {
		keep = []string{}
	}
	return released, append(writes, engine.WriteJSON(escrowIndexKey, keep)), nil
}

// mergeParts adds b's amounts to a's, by account, in account order.
func mergeParts(a, b []Part) []Part {
	m := map[string]money.Amount{}
	for _, p := range append(append([]Part{}, a...), b...) {
		m[p.Account] = mustAdd(m[p.Account], p.Amount)
	}
	out := make([]Part, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Part{Account: k, Amount: m[k]})
	}
	return out
}

func nonZero(parts []Part) []Part {
	return slices.DeleteFunc(parts, func(p Part) bool { return p.Amount.IsZero() })
}

// paySleepers pays the sleeper pool at epoch n's close: what it held, this
// epoch's skim, and escrow that expired into it, divided by the sleeper
// formula over every linked repo (by its metadata and its calls in epoch
// n), each repo's part split over its contributors.
func paySleepers(v engine.View, p Params, n uint64, skim money.Amount, released []Release) ([]Income, error) {
	b, err := v.Balance(SleeperAccount, p.Currency)
	if err != nil {
		return nil, err
	}
	pool := skim
	if av := b.Available(); !av.Negative {
		pool = mustAdd(pool, av.Amount)
	}
	for _, r := range released {
		if r.To == ExpirySleeper {
			for _, part := range r.Parts {
				pool = mustAdd(pool, part.Amount)
			}
		}
	}
	w, err := world(v, p, Status{NextClose: n + 1})
	if err != nil {
		return nil, err
	}
	calls := map[string]uint64{}
	owner := map[string]string{}
	for _, r := range w.Repos {
		for _, pkg := range r.Packages {
			owner[pkg] = r.ID
		}
	}
	for _, tos := range w.Usage {
		for to, c := range tos {
			if r, ok := owner[to]; ok {
				to = r
			}
			calls[to], _ = addU(calls[to], c)
		}
	}
	parts, err := SleeperPay(*p.Sleeper, p.Currency, pool, w.Repos, calls)
	if err != nil {
		return nil, err
	}
	repos := make(map[string]Repo, len(w.Repos))
	for _, r := range w.Repos {
		repos[r.ID] = r
	}
	set, err := splitSet(w.Splits)
	if err != nil {
		return nil, err
	}
	out := make([]Income, 0, len(parts))
	for _, part := range parts {
		r := repos[part.Account]
		split, err := splitIncome(Recipient{Repo: r.ID, Owner: r.Owner, Contributors: r.Asset.Contributors}, part.Amount, set)
		if err != nil {
			return nil, err
		}
		out = append(out, Income{Repo: r.ID, Amount: part.Amount, Parts: nonZero(split)})
	}
	return out, nil
}
