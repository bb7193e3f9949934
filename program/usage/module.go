package usage

import (
	_ "embed"
	"reflect"
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

//go:embed routes.md
var docs string

var (
	participantID = program.Param{Name: "id", In: "path", Doc: "The participant's ID.", Schema: "UsageParticipantId"}
	epochParam    = program.PathParam("epoch", "The epoch's number, from 0 at the configured anchor (anything else is 400 `bad_request`).", uint64(0))
)

// Module is the usage program's module: its routes, codes and state.
func Module() program.Module {
	return program.Module{
		Name: Program, Title: "Usage", Docs: docs,
		Routes: []program.Route{
			{Method: "GET", Path: "/v1/usage/config", ID: "getUsageConfig", Roles: program.ConfigReaders, Handler: program.Read(serveReadConfig)},
			{Method: "PUT", Path: "/v1/usage/config", ID: "setUsageConfig", Roles: program.Configurators, Handler: program.Write(serveApplyConfig)},
			{Method: "POST", Path: "/v1/usage/participants", ID: "registerUsageParticipant", Roles: program.Owners, Status: program.Created, Handler: program.Write(serveRegisterParticipant)},
			{Method: "POST", Path: "/v1/usage/participants/batch", ID: "registerUsageParticipants", Roles: program.Configurators, Status: program.Created, Handler: program.Write(serveRegisterParticipants)},
			{Method: "GET", Path: "/v1/usage/participants/{id}", ID: "getUsageParticipant", Roles: program.ConfigReaders, Params: []program.Param{participantID}, Handler: program.Read(serveGetParticipant)},
			{Method: "PUT", Path: "/v1/usage/participants/{id}", ID: "updateUsageParticipant", Roles: program.Owners, Params: []program.Param{participantID}, Handler: program.Write(serveUpdateParticipant)},
			{Method: "DELETE", Path: "/v1/usage/participants/{id}", ID: "deregisterUsageParticipant", Roles: program.Owners, Params: []program.Param{participantID}, Handler: program.Write(serveDeregisterParticipant)},
			{Method: "POST", Path: "/v1/usage/revenue", ID: "recordUsageRevenue", Roles: program.Ingestors, Status: program.Created, Handler: program.Write(serveRecordRevenue)},
			{Method: "POST", Path: "/v1/usage/reports", ID: "reportUsage", Roles: program.Ingestors, Status: program.Created, Handler: program.Write(serveReportUsage)},
			{Method: "POST", Path: "/v1/usage/epochs/{epoch}/close", ID: "closeUsageEpoch", Roles: program.Configurators, Params: []program.Param{epochParam}, Status: program.Created, Handler: program.Write(serveCloseEpoch)},
			{Method: "GET", Path: "/v1/usage/epochs/{epoch}", ID: "getUsageEpoch", Roles: program.ConfigReaders, Params: []program.Param{epochParam}, Handler: program.Read(serveGetEpoch)},
			{Method: "POST", Path: "/v1/usage/epochs/{epoch}/simulate", ID: "simulateUsageEpoch", Roles: program.ConfigReaders, Params: []program.Param{epochParam, {Name: "participants", In: "query", Doc: "The participants whose lines to include: up to 100 IDs, separated by commas.", Example: "app-a,app-b"}}, Handler: whatIfHandler},
			{Method: "GET", Path: "/v1/usage/epochs/{epoch}/statement", ID: "getUsageStatement", Roles: program.ConfigReaders, Params: []program.Param{epochParam, {Name: "participant", In: "query", Doc: "The participant whose line to include.", Schema: "UsageParticipantId"}}, Handler: program.Read(serveGetStatement)},
		},
		Errors: []*errcode.Error{ErrConfig, ErrWeight, ErrCategoryShare, ErrUnallocatable, ErrMetric, ErrParticipant, ErrID,
			ErrExists, ErrCount, ErrReport, ErrEpochClosed, ErrEpochFuture, ErrEpochOpen, ErrEpochOrder, ErrNotConfigured, ErrLimit, ErrOwner, ErrDigest},
		Verify: VerifyStatements,
		State: []program.StateKey{
			{Pattern: statusKey, Holds: "status: slots used, next epoch to close, carry-over"},
			{Pattern: configKey, Holds: "configurations by effective epoch"},
			{Pattern: indexKey("{id}"), Holds: "a participant's slot, in decimal"},
			{Pattern: "pc/{chunk}", Holds: "the participants of a chunk of slots"},
			{Pattern: "rev/{epoch}", Holds: "platform revenue recorded in the epoch"},
			{Pattern: "r/{epoch}/{chunk}", Holds: "each metric's counts of a chunk's slots"},
			{Pattern: "h/{epoch}/{chunk}", Holds: "a closed epoch's snapshot of a chunk: categories, active flags, history"},
			{Pattern: "close/{epoch}", Holds: "a closed epoch's summary, with its statement digest"},
		},
	}
}

// configAnswer is the configuration versions and status as v sees them.
func configAnswer(v engine.View) (ConfigJSON, error) {
	vs, err := ReadVersions(v)
	if err != nil {
		return ConfigJSON{}, err
	}
	st, err := ReadStatus(v)
	if vs == nil {
		vs = []Version{}
	}
	return ConfigJSON{Versions: vs, Status: st}, err
}

func serveReadConfig(c program.Call) (ConfigJSON, error) { return configAnswer(c.View()) }

// serveApplyConfig applies a configuration (the same JSON fields as the TOML
// file); it takes effect from the next epoch. It answers with the versions
// and status as it left them, recorded, since later configurations and
// closes change both.
func serveApplyConfig(c program.Call, cfg Config) (program.Effect[ConfigJSON], error) {
	return program.Record(ApplyConfig(c.Key(), c.Now(), cfg, c.Currencies()), configAnswer), nil
}

// recordParticipant records the answer of a write to participant id: the
// participant as the write left it, which a later change rewrites.
func recordParticipant(op engine.Op, id string) program.Effect[Participant] {
	return program.Record(op, func(v engine.View) (Participant, error) { return ReadParticipant(v, id) })
}

func participantOf(p ParticipantRequest) Participant {
	return Participant{ID: p.ID, Owner: p.Owner, Account: p.Account, Category: p.Category, Split: p.Split}
}

func serveRegisterParticipant(c program.Call, req ParticipantRequest) (program.Effect[Participant], error) {
	if err := program.OwnerOnly(c, "participant", req.Owner); err != nil {
		return program.Effect[Participant]{}, err
	}
	return recordParticipant(Register(c.Key(), c.Now(), []Participant{participantOf(req)}), req.ID), nil
}

func serveRegisterParticipants(c program.Call, req ParticipantsRequest) (program.Effect[RegisteredJSON], error) {
	ps := make([]Participant, len(req.Participants))
	for i, p := range req.Participants {
		ps[i] = participantOf(p)
	}
	return program.Answer(Register(c.Key(), c.Now(), ps), func(ledger.Entry) (RegisteredJSON, error) {
		return RegisteredJSON{Registered: len(ps)}, nil
	}), nil
}

func serveGetParticipant(c program.Call) (Participant, error) {
	p, err := ReadParticipant(c.View(), c.Path("id"))
	return p, program.InPath(err, ErrParticipant)
}

// participantOwner returns the owner the operation must check: the stored
// owner when a payee token acts (after checking the token may act for it),
// nobody for a configurator or admin.
func participantOwner(c program.Call, id string) (string, error) {
	p, err := ReadParticipant(c.View(), id)
	if err != nil {
		return "", program.InPath(err, ErrParticipant)
	}
	if err := program.OwnerOnly(c, "participant", p.Owner); err != nil {
		return "", err
	}
	if c.Token().Role == auth.Payee {
		return p.Owner, nil
	}
	return "", nil
}

func serveUpdateParticipant(c program.Call, req ParticipantUpdate) (program.Effect[Participant], error) {
	id := c.Path("id")
	owner, err := participantOwner(c, id)
	if err != nil {
		return program.Effect[Participant]{}, err
	}
	p := Participant{ID: id, Account: req.Account, Category: req.Category, Split: req.Split}
	return recordParticipant(Update(c.Key(), c.Now(), p, owner), id), nil
}

func serveDeregisterParticipant(c program.Call, _ program.NoBody) (program.Effect[Participant], error) {
	id := c.Path("id")
	owner, err := participantOwner(c, id)
	if err != nil {
		return program.Effect[Participant]{}, err
	}
	// A deregistered participant never changes again (modify refuses
	// it), so reading it after the commit answers every replay as the
	// first time, and nothing needs recording.
	return program.Answer(Deregister(c.Key(), c.Now(), id, owner), func(ledger.Entry) (Participant, error) {
		return ReadParticipant(c.View(), id)
	}), nil
}

func serveRecordRevenue(c program.Call, req RevenueRequest) (program.Effect[wire.EntryJSON], error) {
	amt, err := program.Amount(c, req.Amount, req.Currency)
	if err != nil {
		return program.Effect[wire.EntryJSON]{}, err
	}
	return program.EntryAnswer(RecordRevenue(c.Key(), c.Now(), req.From, amt, req.Currency)), nil
}

func serveReportUsage(c program.Call, b Batch) (program.Effect[ReportsJSON], error) {
	return program.Answer(ReportUsage(c.Key(), c.Now(), b), func(e ledger.Entry) (ReportsJSON, error) {
		return ReportsJSON{Epoch: b.Epoch, Reports: len(b.Reports), Seq: e.Seq}, nil
	}), nil
}

func epochOf(c program.Call) (uint64, error) {
	e, err := strconv.ParseUint(c.Path("epoch"), 10, 64)
	if err != nil {
		return 0, errcode.Errorf(program.ErrBadRequest, "epoch %q is not an epoch number", c.Path("epoch"))
	}
	return e, nil
}

// serveCloseEpoch closes an epoch at the request's time; the body is ignored.
// It answers with the epoch's summary; the entry (one posting per payee)
// is at GET /v1/entries/keys/{key}.
func serveCloseEpoch(c program.Call, _ program.NoBody) (program.Effect[Summary], error) {
	epoch, err := epochOf(c)
	if err != nil {
		return program.Effect[Summary]{}, err
	}
	// A closed epoch's summary never changes, so reading it after the
	// commit answers every replay as the first time.
	return program.Answer(CloseEpoch(c.Key(), c.Now(), epoch), func(ledger.Entry) (Summary, error) {
		return ReadSummary(c.View(), epoch)
	}), nil
}

func serveGetEpoch(c program.Call) (Summary, error) {
	epoch, err := epochOf(c)
	if err != nil {
		return Summary{}, err
	}
	return ReadSummary(c.View(), epoch)
}

func serveGetStatement(c program.Call) (StatementJSON, error) {
	epoch, err := epochOf(c)
	if err != nil {
		return StatementJSON{}, err
	}
	o, sum, err := Explain(c.View(), epoch)
	if err != nil {
		// An open epoch has no statement yet: nothing is at this URL.
		return StatementJSON{}, program.InPath(err, ErrEpochOpen)
	}
	out := StatementJSON{Header: o.Header(), Digest: sum.Digest, Rows: []StatementRow{}}
	if id := c.Query("participant"); id != "" {
		i, ok := o.Slot(id)
		if !ok || !o.Listed(i) {
			return StatementJSON{}, errcode.WithKind(errcode.Errorf(ErrParticipant, "participant %q has no line in epoch %d's statement", id, epoch), errcode.NotFound)
		}
		out.Rows = append(out.Rows, o.Row(i))
	}
	return out, nil
}

// whatIfHandler serves the what-if: a POST, since it takes a whole
// configuration, but a read (no Idempotency-Key, nothing written), which
// program.Read and program.Write do not make.
var whatIfHandler = program.Handler{Body: reflect.TypeFor[Config](), Answer: reflect.TypeFor[WhatIfJSON](),
	Serve: func(c program.Call, body any) (program.Reply, error) {
		a, err := serveWhatIf(c, *body.(*Config))
		return program.Reply{Answer: a}, err
	}}

// maxWhatIfRows is how many participants' lines one what-if answers.
const maxWhatIfRows = 100

// serveWhatIf recomputes a closed epoch under cfg (Simulate, one epoch)
// and answers the alternative's header and the lines asked for.
func serveWhatIf(c program.Call, cfg Config) (WhatIfJSON, error) {
	epoch, err := epochOf(c)
	if err != nil {
		return WhatIfJSON{}, err
	}
	var ids []string
	if q := c.Query("participants"); q != "" {
		ids = strings.Split(q, ",")
	}
	if len(ids) > maxWhatIfRows {
		return WhatIfJSON{}, errcode.Errorf(ErrLimit, "%d participants asked for; a what-if answers at most %d lines", len(ids), maxWhatIfRows)
	}
	sims, err := Simulate(c.View(), cfg, epoch, epoch)
	if err != nil {
		return WhatIfJSON{}, program.InPath(err, ErrEpochOpen)
	}
	s := sims[0]
	out := WhatIfJSON{Epoch: epoch, Header: s.Alt.Header(), Actual: s.Actual.Header(), Rows: []WhatIfRow{}}
	for _, id := range ids {
		i, ok := s.Actual.Slot(id)
		if !ok || !(s.Actual.Listed(i) || s.Alt.Listed(i)) {
			return WhatIfJSON{}, errcode.WithKind(errcode.Errorf(ErrParticipant, "participant %q has no line in epoch %d's statement", id, epoch), errcode.NotFound)
		}
		actual, alt := s.Actual.Amounts[i], s.Alt.Amounts[i]
		out.Rows = append(out.Rows, WhatIfRow{Line: s.Alt.Row(i), Actual: actual, Difference: difference(alt, actual)})
	}
	return out, nil
}

// difference is b - a in base units, with a minus sign when a is larger.
func difference(b, a money.Amount) string {
	if d, err := b.Sub(a); err == nil {
		return d.String()
	}
	d, _ := a.Sub(b) // cannot fail: a > b
	return "-" + d.String()
}
