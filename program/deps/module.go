package deps

import (
	"crypto/sha256"
	_ "embed"
	"strconv"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/lockfile"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

//go:embed routes.md
var docs string

var (
	repoID     = program.PathParam("id", "The repo's ID, path-escaped (`github.com%2Facme%2Fapp`).", "npm:date-fp")
	epochParam = program.PathParam("epoch", "The epoch's number, from 0 at the anchor (anything else is 400 `bad_request`).", uint64(0))
)

// Module is the dependency-streams program's module.
func Module() program.Module {
	return program.Module{
		Name: Program, Title: "Dependency royalty streams", Docs: docs,
		Keys: []string{SettleKeyPrefix},
		Routes: []program.Route{
			{Method: "GET", Path: "/v1/deps/config", ID: "getDepsConfig", Roles: program.ConfigReaders, Handler: program.Read(serveGetParams)},
			{Method: "PUT", Path: "/v1/deps/config", ID: "setDepsConfig", Roles: program.Admins, Handler: program.Write(serveSetParams)},
			{Method: "POST", Path: "/v1/deps/repos", ID: "linkDepsRepo", Roles: program.Configurators, Status: program.Created, Handler: program.Write(serveLinkRepo)},
			{Method: "GET", Path: "/v1/deps/repos/{id}", ID: "getDepsRepo", Roles: program.ConfigReaders, Params: []program.Param{repoID}, Handler: program.Read(serveGetRepo)},
			// Packages are mapped by a configurator, never claimed by the
			// repo itself (the seed's failure to avoid: claim spam).
			{Method: "PUT", Path: "/v1/deps/repos/{id}/packages", ID: "setDepsRepoPackages", Roles: program.Configurators, Params: []program.Param{repoID}, Handler: program.Write(serveSetPackages)},
			{Method: "PUT", Path: "/v1/deps/repos/{id}/meta", ID: "setDepsRepoMeta", Roles: program.Configurators, Params: []program.Param{repoID}, Handler: program.Write(serveSetMeta)},
			{Method: "PUT", Path: "/v1/deps/repos/{id}/asset", ID: "applyDepsRepoAsset", Roles: program.Owners, Params: []program.Param{repoID}, Handler: program.Write(serveApplyAsset)},
			{Method: "POST", Path: "/v1/deps/repos/{id}/lockfile", ID: "uploadDepsLockfile", Roles: program.Owners, Params: []program.Param{repoID}, Status: program.Created, Handler: program.Write(serveUploadLockfile)},
			{Method: "POST", Path: "/v1/deps/usage", ID: "reportDepsUsage", Roles: program.Ingestors, Status: program.Created, Handler: program.WriteRaw[UsageBatch](serveReportUsage)},
			{Method: "POST", Path: "/v1/deps/epochs/{epoch}/open", ID: "openDepsEpoch", Roles: program.Configurators, Params: []program.Param{epochParam}, Status: program.Created, Handler: program.Write(serveOpenEpoch)},
			{Method: "POST", Path: "/v1/deps/epochs/{epoch}/close", ID: "closeDepsEpoch", Roles: program.Configurators, Params: []program.Param{epochParam}, Status: program.Created, Handler: program.Write(serveCloseEpoch)},
			{Method: "POST", Path: "/v1/deps/epochs/{epoch}/settle", ID: "settleDepsEpoch", Roles: program.Admins, Params: []program.Param{epochParam}, Status: program.Created, Handler: program.Write(serveSettleEpoch)},
			{Method: "GET", Path: "/v1/deps/epochs/{epoch}", ID: "getDepsEpoch", Roles: program.ConfigReaders, Params: []program.Param{epochParam}, Handler: program.Read(serveGetEpoch)},
			{Method: "GET", Path: "/v1/deps/epochs/{epoch}/explain", ID: "explainDepsEpoch", Roles: program.ConfigReaders, Params: []program.Param{epochParam, program.QueryParam("repo", "The repo whose streams to list.", "npm:date-fp")}, Handler: program.Read(serveExplain)},
			{Method: "GET", Path: "/v1/deps/streams", ID: "getDepsStreams", Roles: program.ConfigReaders, Params: []program.Param{
				program.QueryParam("from", "The paying repo; empty: every payer.", "npm:meeting-bot"),
				program.QueryParam("to", "The recipient repo; empty: every recipient.", "npm:date-fp"),
				program.QueryParam("at", "The time (RFC 3339) whose epoch to read and to accrue to; empty: now.", "2026-01-08T00:00:00Z"),
			}, Handler: program.Read(serveStreams)},
			{Method: "GET", Path: "/v1/deps/credit/{account}", ID: "getDepsCredit", Roles: program.ConfigReaders, Params: []program.Param{{Name: "account", In: "path", Doc: "The contributor's account.", Schema: "AccountName"}}, Handler: program.Read(serveCredit)},
		},
		Errors: []*errcode.Error{ErrConfig, ErrNotConfigured, ErrRepoID, ErrRepoExists, ErrRepoUnknown, ErrRepo, ErrPackageTaken, ErrAsset, ErrDecimal, ErrUsage, ErrEpochClosed, ErrEpochState, ErrEpochUnknown, ErrLimit, ErrRate},
		State: []program.StateKey{
			{Pattern: configKey, Holds: "the configuration: currency, epochs, base rates, sleeper skim, depth, pass-through, escrow"},
			{Pattern: "index/{bucket}", Holds: "the IDs of the linked repos whose SHA-256 starts with the byte {bucket} (hex), sorted"},
			{Pattern: repoKey("{id}"), Holds: "a linked repo: owner, treasury, visibility, fork, packages, asset.toml, metadata"},
			{Pattern: pkgKey("{package}"), Holds: "the repo a package is mapped to"},
			{Pattern: "usage/{epoch}/{bucket}", Holds: "the usage counts in an epoch of the repos of an index bucket, by repo and dependency"},
			{Pattern: statusKey, Holds: "the next epoch to open and to close"},
			{Pattern: "plan/{epoch}", Holds: "an epoch's plan: every payer's line and every stream, fixed at open"},
			{Pattern: "epoch/{epoch}", Holds: "an epoch's state and the settlement and credit its close posts, computed at open"},
			{Pattern: creditKey("{account}"), Holds: "a contributor's cumulative credit"},
			{Pattern: escrowIndexKey, Holds: "the unlinked packages that hold escrow"},
			{Pattern: escrowKey("{package}"), Holds: "an unlinked package's escrow: since when, by the treasury it came from"},
		},
	}
}

func serveGetParams(c program.Call) (Params, error) { return ReadParams(c.View()) }

func serveSetParams(c program.Call, p Params) (program.Effect[Params], error) {
	valid, err := p.Validate(c.Currencies())
	if err != nil {
		return program.Effect[Params]{}, err
	}
	return program.Answer(SetParams(c.Key(), c.Now(), p, c.Currencies()), func(ledger.Entry) (Params, error) { return valid, nil }), nil
}

// repoAnswer is a repo as v sees it.
func repoAnswer(v engine.View, id string) (Repo, error) {
	return ReadRepo(v, id)
}

func recordRepo(op engine.Op, id string) program.Effect[Repo] {
	return program.Record(op, func(v engine.View) (Repo, error) { return repoAnswer(v, id) })
}

func serveLinkRepo(c program.Call, req RepoRequest) (program.Effect[Repo], error) {
	r := Repo{ID: req.ID, Owner: req.Owner, Treasury: req.Treasury, Visibility: req.Visibility, ForkOf: req.ForkOf, Packages: req.Packages}
	return recordRepo(LinkRepo(c.Key(), c.Now(), r), r.ID), nil
}

func serveGetRepo(c program.Call) (Repo, error) {
	r, err := repoAnswer(c.View(), c.Path("id"))
	return r, program.InPath(err, ErrRepoUnknown)
}

func serveSetPackages(c program.Call, req PackagesRequest) (program.Effect[Repo], error) {
	id := c.Path("id")
	return recordRepo(MapPackages(c.Key(), c.Now(), id, req.Packages), id), nil
}

func serveSetMeta(c program.Call, m Meta) (program.Effect[Repo], error) {
	id := c.Path("id")
	return recordRepo(SetMeta(c.Key(), c.Now(), id, m), id), nil
}

// ownRepo checks that the caller may configure repo id: a configurator, or
// a payee token of the repo's owner.
func ownRepo(c program.Call, id string) error {
	r, err := ReadRepo(c.View(), id)
	if err != nil {
		return program.InPath(err, ErrRepoUnknown)
	}
	return program.OwnerOnly(c, "repo", r.Owner)
}

func serveApplyAsset(c program.Call, req AssetRequest) (program.Effect[Repo], error) {
	id := c.Path("id")
	if err := ownRepo(c, id); err != nil {
		return program.Effect[Repo]{}, err
	}
	if _, err := ParseAsset([]byte(req.TOML)); err != nil {
		return program.Effect[Repo]{}, err
	}
	return recordRepo(ApplyAsset(c.Key(), c.Now(), id, req.TOML), id), nil
}

func serveUploadLockfile(c program.Call, req LockfileRequest) (program.Effect[Graph], error) {
	id := c.Path("id")
	if err := ownRepo(c, id); err != nil {
		return program.Effect[Graph]{}, err
	}
	r, err := ReadRepo(c.View(), id)
	if err != nil {
		return program.Effect[Graph]{}, err
	}
	lg, err := lockfile.Parse([]byte(req.Content), lockfile.Options{Name: req.Name, Format: lockfile.Format(req.Format), GoMod: []byte(req.GoMod)})
	if err != nil {
		return program.Effect[Graph]{}, err
	}
	g := GraphOf(lg, r.Packages)
	h := sha256.Sum256([]byte(req.Name + "\x00" + req.Format + "\x00" + req.Content + "\x00" + req.GoMod))
	return program.Answer(StoreGraph(c.Key(), c.Now(), id, h, g), func(ledger.Entry) (Graph, error) { return g, nil }), nil
}

func serveReportUsage(c program.Call, body program.RawBody) (program.Effect[UsageJSON], error) {
	reports, err := ParseUsage(body)
	if err != nil {
		return program.Effect[UsageJSON]{}, err
	}
	n := len(reports)
	return program.Answer(RecordUsage(c.Key(), c.Now(), reports), func(ledger.Entry) (UsageJSON, error) { return UsageJSON{Recorded: n}, nil }), nil
}

func epochOf(c program.Call) (uint64, error) {
	n, err := strconv.ParseUint(c.Path("epoch"), 10, 64)
	if err != nil || n >= EpochsMax {
		return 0, errcode.Errorf(program.ErrBadRequest, "epoch %q is not an epoch number (0 to %d)", c.Path("epoch"), EpochsMax-1)
	}
	return n, nil
}

// epochSummary is an epoch's state as a write leaves it: the settlement
// its close posts (or posted), without the plan's streams (they are at GET
// /v1/deps/epochs/{epoch}), so that a close never decodes them.
func epochSummary(n uint64) func(engine.View) (EpochState, error) {
	return func(v engine.View) (EpochState, error) { return readEpochState(v, n) }
}

func serveOpenEpoch(c program.Call, _ program.NoBody) (program.Effect[EpochState], error) {
	n, err := epochOf(c)
	if err != nil {
		return program.Effect[EpochState]{}, err
	}
	return program.Record(OpenEpoch(c.Key(), c.Now(), n), epochSummary(n)), nil
}

func serveCloseEpoch(c program.Call, _ program.NoBody) (program.Effect[EpochState], error) {
	n, err := epochOf(c)
	if err != nil {
		return program.Effect[EpochState]{}, err
	}
	return program.Record(CloseEpoch(c.Key(), c.Now(), n), epochSummary(n)), nil
}

// serveSettleEpoch makes a closed epoch's payout batch. The request's
// key is not the batch's: an epoch has one settlement (SettleKey).
func serveSettleEpoch(c program.Call, _ program.NoBody) (program.Effect[Settled], error) {
	n, err := epochOf(c)
	if err != nil {
		return program.Effect[Settled]{}, err
	}
	payable, currency, err := settleable(c.View(), n)
	if err != nil {
		return program.Effect[Settled]{}, err
	}
	return program.Record(SettleEpoch(c.Now(), n, currency, payable)), nil
}

// serveGetEpoch answers the epoch's statement, the same bytes on every
// read (the plan and settlement are stored, and encode in one order).
func serveGetEpoch(c program.Call) (EpochRecord, error) {
	n, err := epochOf(c)
	if err != nil {
		return EpochRecord{}, err
	}
	rec, err := ReadEpoch(c.View(), n)
	return rec, program.InPath(err, ErrEpochUnknown)
}

func serveExplain(c program.Call) (ExplainJSON, error) {
	n, err := epochOf(c)
	if err != nil {
		return ExplainJSON{}, err
	}
	rec, err := ReadEpoch(c.View(), n)
	if err != nil {
		return ExplainJSON{}, program.InPath(err, ErrEpochUnknown)
	}
	return Explain(rec, c.Query("repo")), nil
}

func serveStreams(c program.Call) (StreamsJSON, error) {
	p, err := ReadParams(c.View())
	if err != nil {
		return StreamsJSON{}, err
	}
	at := c.Now()
	if q := c.Query("at"); q != "" {
		if at, err = time.Parse(time.RFC3339, q); err != nil {
			return StreamsJSON{}, errcode.Errorf(program.ErrQuery, "at=%q is not an RFC 3339 time", q)
		}
	}
	if at.Before(p.Anchor) {
		return StreamsJSON{}, errcode.Errorf(program.ErrQuery, "at=%s is before epoch 0 starts (%s)", at.Format(time.RFC3339), p.Anchor.Format(time.RFC3339))
	}
	n := uint64(at.Sub(p.Anchor) / (time.Duration(p.EpochSeconds) * time.Second))
	rec, err := ReadEpoch(c.View(), n)
	if err != nil {
		return StreamsJSON{}, err
	}
	return Streams(rec.Plan, p.EpochSeconds, c.Query("from"), c.Query("to"), at.UTC())
}

func serveCredit(c program.Call) (CreditJSON, error) {
	a := c.Path("account")
	credit, err := ReadCredit(c.View(), a)
	return CreditJSON{Account: a, Credit: wire.Amount(credit.String())}, err
}
