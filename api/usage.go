package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/wire"
)

// usageRoutes are the usage program's routes (program/usage).
func (s *Server) usageRoutes() []Route {
	read := []auth.Role{auth.Admin, auth.Reader, auth.Configurator}
	configurators := []auth.Role{auth.Admin, auth.Configurator}
	return []Route{
		{"GET", "/v1/usage/config", read, s.usageConfig, false},
		{"PUT", "/v1/usage/config", configurators, s.putUsageConfig, false},
		{"POST", "/v1/usage/participants", program.Owners, s.registerParticipant, false},
		{"POST", "/v1/usage/participants/batch", configurators, s.registerParticipants, false},
		{"GET", "/v1/usage/participants/{id}", read, s.getParticipant, false},
		{"PUT", "/v1/usage/participants/{id}", program.Owners, s.updateParticipant, false},
		{"DELETE", "/v1/usage/participants/{id}", program.Owners, s.deregisterParticipant, false},
		{"POST", "/v1/usage/revenue", ingestors, s.usageRevenue, false},
		{"POST", "/v1/usage/reports", ingestors, s.usageReports, false},
		{"POST", "/v1/usage/epochs/{epoch}/close", configurators, s.closeUsageEpoch, false},
		{"GET", "/v1/usage/epochs/{epoch}", read, s.usageEpoch, false},
		{"GET", "/v1/usage/epochs/{epoch}/statement", read, s.usageStatement, false},
	}
}

// inPath makes err a 404 when it is one of missing: the resource the URL
// names (a participant or statement) is not there. The same code from a
// body (a report naming an unknown participant) stays a 422; the error
// keeps its code, only its kind changes.
func inPath(err error, missing ...error) error {
	for _, m := range missing {
		if errors.Is(err, m) {
			return errcode.WithKind(err, errcode.NotFound)
		}
	}
	return err
}

func (s *Server) usageView(r *http.Request) engine.View { return s.view(r, usage.Program) }

// usageConfigAnswer is the configuration versions and status as v sees
// them.
func usageConfigAnswer(v engine.View) (wire.UsageConfigJSON, error) {
	vs, err := usage.ReadVersions(v)
	if err != nil {
		return wire.UsageConfigJSON{}, err
	}
	st, err := usage.ReadStatus(v)
	if vs == nil {
		vs = []usage.Version{}
	}
	return wire.UsageConfigJSON{Versions: vs, Status: st}, err
}

func (s *Server) usageConfig(w http.ResponseWriter, r *http.Request, _ *Call) error {
	out, err := usageConfigAnswer(s.usageView(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// putUsageConfig applies a configuration (the same JSON fields as the TOML
// file); it takes effect from the next epoch. It answers with the versions
// and status as it left them, recorded, since later configurations and
// closes change both.
func (s *Server) putUsageConfig(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, cfg, err := readWrite[usage.Config](r)
	if err != nil {
		return err
	}
	return s.applyAnswered(w, r, usage.ApplyConfig(key, c.Now, cfg, s.cfg.Currencies), http.StatusOK, func(v engine.View) (any, error) {
		return usageConfigAnswer(v)
	}, nil)
}

// recordParticipant records the answer of a write to participant id: the
// participant as the write left it, which a later change rewrites.
func recordParticipant(id string) answerFunc {
	return func(v engine.View) (any, error) { return usage.ReadParticipant(v, id) }
}

func participantOf(p wire.ParticipantRequest) usage.Participant {
	return usage.Participant{ID: p.ID, Owner: p.Owner, Account: p.Account, Category: p.Category, Split: p.Split}
}

func (s *Server) registerParticipant(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.ParticipantRequest](r)
	if err != nil {
		return err
	}
	if err := ownerOnly(c, "participant", req.Owner); err != nil {
		return err
	}
	return s.applyAnswered(w, r, usage.Register(key, c.Now, []usage.Participant{participantOf(req)}), http.StatusCreated, recordParticipant(req.ID), nil)
}

func (s *Server) registerParticipants(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.ParticipantsRequest](r)
	if err != nil {
		return err
	}
	ps := make([]usage.Participant, len(req.Participants))
	for i, p := range req.Participants {
		ps[i] = participantOf(p)
	}
	return s.apply(w, r, usage.Register(key, c.Now, ps), http.StatusCreated, func(ledger.Entry) (any, error) {
		return map[string]int{"registered": len(ps)}, nil
	})
}

func (s *Server) getParticipant(w http.ResponseWriter, r *http.Request, _ *Call) error {
	p, err := usage.ReadParticipant(s.usageView(r), r.PathValue("id"))
	if err != nil {
		return inPath(err, usage.ErrParticipant)
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// participantOwner returns the owner the operation must check: the stored
// owner when a payee token acts (after checking the token may act for it),
// nobody for a configurator or admin.
func (s *Server) participantOwner(r *http.Request, c *Call, id string) (string, error) {
	p, err := usage.ReadParticipant(s.usageView(r), id)
	if err != nil {
		return "", inPath(err, usage.ErrParticipant)
	}
	if err := ownerOnly(c, "participant", p.Owner); err != nil {
		return "", err
	}
	if c.Token.Role == auth.Payee {
		return p.Owner, nil
	}
	return "", nil
}

func (s *Server) updateParticipant(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.ParticipantRequest](r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	owner, err := s.participantOwner(r, c, id)
	if err != nil {
		return err
	}
	p := participantOf(req)
	p.ID = id
	return s.applyAnswered(w, r, usage.Update(key, c.Now, p, owner), http.StatusOK, recordParticipant(id), nil)
}

func (s *Server) deregisterParticipant(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	owner, err := s.participantOwner(r, c, id)
	if err != nil {
		return err
	}
	// A deregistered participant never changes again (usage.modify
	// refuses it), so reading it after the commit answers every replay
	// as the first time, and nothing needs recording.
	return s.apply(w, r, usage.Deregister(key, c.Now, id, owner), http.StatusOK, func(ledger.Entry) (any, error) {
		return usage.ReadParticipant(s.usageView(r), id)
	})
}

func (s *Server) usageRevenue(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.UsageRevenueRequest](r)
	if err != nil {
		return err
	}
	amt, err := s.amount(req.Amount, req.Currency)
	if err != nil {
		return err
	}
	return s.apply(w, r, usage.RecordRevenue(key, c.Now, req.From, amt, req.Currency), http.StatusCreated, entryBody)
}

func (s *Server) usageReports(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, b, err := readWrite[usage.Batch](r)
	if err != nil {
		return err
	}
	return s.apply(w, r, usage.ReportUsage(key, c.Now, b), http.StatusCreated, func(e ledger.Entry) (any, error) {
		return wire.UsageReportsJSON{Epoch: b.Epoch, Reports: len(b.Reports), Seq: e.Seq}, nil
	})
}

func epochParam(r *http.Request) (uint64, error) {
	e, err := strconv.ParseUint(r.PathValue("epoch"), 10, 64)
	if err != nil {
		return 0, errcode.Errorf(ErrBadRequest, "epoch %q is not an epoch number", r.PathValue("epoch"))
	}
	return e, nil
}

// closeUsageEpoch closes an epoch at the server's time; the body is ignored.
// It answers with the epoch's summary; the entry (one posting per payee)
// is at GET /v1/entries/keys/{key}.
func (s *Server) closeUsageEpoch(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	epoch, err := epochParam(r)
	if err != nil {
		return err
	}
	// A closed epoch's summary never changes, so reading it after the
	// commit answers every replay as the first time.
	return s.apply(w, r, usage.CloseEpoch(key, c.Now, epoch), http.StatusCreated, func(ledger.Entry) (any, error) {
		return usage.ReadSummary(s.usageView(r), epoch)
	})
}

func (s *Server) usageEpoch(w http.ResponseWriter, r *http.Request, _ *Call) error {
	epoch, err := epochParam(r)
	if err != nil {
		return err
	}
	sum, err := usage.ReadSummary(s.usageView(r), epoch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sum)
	return nil
}

func (s *Server) usageStatement(w http.ResponseWriter, r *http.Request, _ *Call) error {
	epoch, err := epochParam(r)
	if err != nil {
		return err
	}
	o, sum, err := usage.Explain(s.usageView(r), epoch)
	if err != nil {
		// An open epoch has no statement yet: nothing is at this URL.
		return inPath(err, usage.ErrEpochOpen)
	}
	out := wire.UsageStatementJSON{Header: o.Header(), Digest: sum.Digest, Rows: []usage.StatementRow{}}
	if id := r.URL.Query().Get("participant"); id != "" {
		i, ok := o.Slot(id)
		if !ok || !o.Listed(i) {
			return errcode.WithKind(errcode.Errorf(usage.ErrParticipant, "participant %q has no line in epoch %d's statement", id, epoch), errcode.NotFound)
		}
		out.Rows = append(out.Rows, o.Row(i))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ownerOnly lets a payee token configure only what its account owns (what
// names it: an asset, a participant). An owner never changes, so checking
// before the operation commits cannot be outrun.
func ownerOnly(c *Call, what, owner string) error {
	if c.Token.Role == auth.Payee && !c.Token.MayAct(owner) {
		return errcode.Errorf(auth.ErrForbidden, "only the %s's owner (%s) or a configurator may configure it", what, owner)
	}
	return nil
}
