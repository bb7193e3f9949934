// Package schedule holds the schedules an admin sets for what must run on
// time without anyone asking: closing usage epochs at their end, running a
// payout batch every week. A schedule names a write route of a program by
// its operation ID, with its path parameters and body; its periods follow
// one another from a start, each a fixed duration or a calendar month, and
// each period's run is due at the period's end.
//
// The package is pure, like the programs: which periods are due is a
// function of the schedule and a time passed in, and a run is recorded by
// an ordinary engine operation. Package scheduler runs what is due: every
// run goes through the API's own route under an idempotency key made of
// the schedule and the period, so that two servers on one PostgreSQL never
// run a period twice (the second replays the first), and a period missed
// while no server ran is run when one is back.
package schedule

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
)

// Program is the namespace of the schedules' state.
const Program = "schedule"

// Limits.
const (
	// EveryMin is the shortest period: a scheduler looks for due runs
	// every few seconds, and a schedule is for what is due by the hour or
	// the week.
	EveryMin = time.Minute
	// EveryMax is the longest fixed period (a calendar month is "monthly").
	EveryMax = 366 * 24 * time.Hour
	// PeriodsMax bounds period numbers, so that times never overflow: a
	// one-minute schedule runs for eight thousand years.
	PeriodsMax = 1 << 32
	// BodyMax bounds a scheduled request's body.
	BodyMax = 64 << 10
	// idMax bounds a schedule's ID.
	idMax = 64
)

// Monthly is the Every of a schedule whose periods are calendar months.
const Monthly = "monthly"

// PeriodParam, in a path parameter's value, is replaced by the period's
// number: a schedule of usage closes whose start and length are the usage
// program's epochs closes epoch N when period N ends.
const PeriodParam = "{period}"

// CatchUp says what a scheduler does with periods that ended while no
// server ran.
type CatchUp string

// What to do with missed periods.
const (
	// CatchUpAll runs every missed period, in order (epochs close in
	// order, each once).
	CatchUpAll CatchUp = "all"
	// CatchUpLatest runs only the latest and records the others as
	// skipped (one payout batch pays what several would have).
	CatchUpLatest CatchUp = "latest"
)

// Errors.
var (
	ErrInvalid   = errcode.New(errcode.Invalid, "schedule_invalid", "schedule is invalid")
	ErrOperation = errcode.New(errcode.Unprocessable, "schedule_operation_unknown", "the schedule names no write route this server has")
)

// Schedule is what an admin sets.
type Schedule struct {
	// ID names the schedule: letters, digits, '-', '_' and '.', at most
	// 64.
	ID string `json:"id,omitempty" schema:"ScheduleId"`
	// Operation is the operation ID of a write route
	// (`closeUsageEpoch`, `createPayout`).
	Operation string `json:"operation"`
	// Path holds the route's path parameters; a value "{period}" is the
	// period's number.
	Path map[string]string `json:"path,omitempty"`
	// Body is the request's body, sent as it is with every run.
	Body json.RawMessage `json:"body,omitempty"`
	// Start is when period 0 begins (RFC 3339).
	Start time.Time `json:"start" schema:"Time"`
	// Every is each period's length: a duration such as "168h" (one
	// minute to 366 days) or "monthly" (calendar months from Start,
	// whose day must be 1 to 28).
	Every string `json:"every"`
	// CatchUp is "all" (the default) or "latest".
	CatchUp CatchUp `json:"catch_up,omitempty"`
	// Paused schedules run nothing until resumed.
	Paused bool `json:"paused,omitempty"`
}

// State is a schedule as stored: what was set, and how far it has run.
type State struct {
	Schedule
	// Gen counts the schedule's lives: it grows when the ID is set again
	// after a delete, or with another start or period, which start again
	// from period 0 under keys of their own.
	Gen uint64 `json:"gen,omitempty"`
	// Next is the first period not yet run.
	Next uint64 `json:"next"`
	// Last is the last period's run, if any.
	Last *Run `json:"last,omitempty"`
	// Deleted marks a deleted schedule's record, kept for its Gen.
	Deleted bool `json:"deleted,omitempty"`
}

// Run records one period's run.
type Run struct {
	Period uint64 `json:"period"`
	// Skipped counts the periods before it that were not run (catch_up
	// latest).
	Skipped uint64 `json:"skipped,omitempty"`
	// Key is the idempotency key the run was sent under.
	Key string `json:"key"`
	// Status is the route's HTTP status; Code its error code on a
	// refusal, Outcome "done" or "refused".
	Status  int    `json:"status,omitempty"`
	Code    string `json:"code,omitempty"`
	Outcome string `json:"outcome"`
	// At is when the period's run was recorded.
	At time.Time `json:"at" schema:"Time"`
}

// Run outcomes.
const (
	Done    = "done"
	Refused = "refused"
)

// Validate checks a schedule against the write routes a server has: their
// operation IDs and path patterns.
//
// Errors: ErrInvalid, ErrOperation.
func (s Schedule) Validate(writes map[string]string) error {
	if err := validID(s.ID); err != nil {
		return err
	}
	pattern, ok := writes[s.Operation]
	if !ok {
		return errcode.Errorf(ErrOperation, "operation %q is not a write route of a program on this server; see the operation IDs of the programs' POST, PUT and DELETE routes in /v1/openapi.json", s.Operation)
	}
	if err := checkPath(pattern, s.Path); err != nil {
		return err
	}
	if len(s.Body) > BodyMax {
		return errcode.Errorf(ErrInvalid, "body is %d bytes; at most %d", len(s.Body), BodyMax)
	}
	if len(s.Body) > 0 && !json.Valid(s.Body) {
		return errcode.Errorf(ErrInvalid, "body is not JSON")
	}
	if s.Start.IsZero() {
		return errcode.Errorf(ErrInvalid, "start is missing; want an RFC 3339 time")
	}
	if _, err := s.length(); err != nil {
		return err
	}
	if s.Every == Monthly && s.Start.UTC().Day() > 28 {
		return errcode.Errorf(ErrInvalid, "a monthly schedule starts on day %d; want day 1 to 28, which every month has", s.Start.UTC().Day())
	}
	switch s.CatchUp {
	case "", CatchUpAll, CatchUpLatest:
	default:
		return errcode.Errorf(ErrInvalid, "catch_up is %q; want all or latest", s.CatchUp)
	}
	return nil
}

// checkPath checks that params name exactly the pattern's parameters.
func checkPath(pattern string, params map[string]string) error {
	var names []string
	for rest := pattern; ; {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			break
		}
		names = append(names, rest[i+1:j])
		rest = rest[j+1:]
	}
	for _, n := range names {
		if params[n] == "" {
			return errcode.Errorf(ErrInvalid, "%s needs path parameter %q", pattern, n)
		}
	}
	for k, v := range params {
		if !slices.Contains(names, k) {
			return errcode.Errorf(ErrInvalid, "%s has no path parameter %q; it has %q", pattern, k, names)
		}
		if len(v) > 256 {
			return errcode.Errorf(ErrInvalid, "path parameter %s is %d bytes; at most 256", k, len(v))
		}
	}
	return nil
}

func validID(id string) error {
	if id == "" || len(id) > idMax || id == "." || id == ".." {
		return errcode.Errorf(ErrInvalid, "schedule ID %.80q; want 1 to %d letters, digits, '-', '_' or '.'", id, idMax)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return errcode.Errorf(ErrInvalid, "schedule ID %q has %q; want letters, digits, '-', '_' or '.'", id, r)
		}
	}
	return nil
}

// length returns a fixed period's length, or 0 for monthly.
func (s Schedule) length() (time.Duration, error) {
	if s.Every == Monthly {
		return 0, nil
	}
	d, err := time.ParseDuration(s.Every)
	if err != nil || d < EveryMin || d > EveryMax || d%time.Second != 0 {
		return 0, errcode.Errorf(ErrInvalid, "every is %q; want a duration in whole seconds from 1m to 8784h (such as 168h) or monthly", s.Every)
	}
	return d, nil
}

// End returns when period n ends, which is when its run is due.
func (s Schedule) End(n uint64) time.Time {
	start := s.Start.UTC()
	if s.Every == Monthly {
		return start.AddDate(0, int(n)+1, 0)
	}
	// In seconds, not as a Duration, which holds 292 years only.
	return time.Unix(start.Unix()+int64(n+1)*s.seconds(), int64(start.Nanosecond())).UTC()
}

// seconds is a fixed period's length in seconds (validated whole).
func (s Schedule) seconds() int64 {
	d, _ := s.length()
	return int64(d / time.Second)
}

// LastEnded returns the latest period that has ended by now, if one has.
func (s Schedule) LastEnded(now time.Time) (uint64, bool) {
	start, now := s.Start.UTC(), now.UTC()
	var k uint64 // periods ended, a first guess
	if s.Every == Monthly {
		months := (now.Year()-start.Year())*12 + int(now.Month()) - int(start.Month())
		k = uint64(max(months, 0))
	} else if now.After(start) {
		k = uint64((now.Unix() - start.Unix()) / s.seconds())
	}
	k = min(k, PeriodsMax)
	for k > 0 && s.End(k-1).After(now) {
		k--
	}
	return k - 1, k > 0
}

// Due returns the periods from next on that have ended by now, in order:
// at most limit of them, since a scheduler runs a few at a time. A paused
// schedule has none.
func (s State) Due(now time.Time, limit int) []uint64 {
	var out []uint64
	if s.Paused {
		return nil
	}
	for n := s.Next; n < PeriodsMax && len(out) < limit && !s.End(n).After(now); n++ {
		out = append(out, n)
	}
	return out
}

// Key is the idempotency key of period n's run: schedule:<id>:<n>, with
// the schedule's life after the ID when it is not the first
// (schedule:<id>:g<gen>:<n>).
func Key(id string, gen, n uint64) string {
	k := "schedule:" + id + ":"
	if gen > 0 {
		k += "g" + strconv.FormatUint(gen, 10) + ":"
	}
	return k + strconv.FormatUint(n, 10)
}

// PathFor returns the path parameters of period n's run.
func (s Schedule) PathFor(n uint64) map[string]string {
	out := make(map[string]string, len(s.Path))
	for k, v := range s.Path {
		out[k] = strings.ReplaceAll(v, PeriodParam, strconv.FormatUint(n, 10))
	}
	return out
}
