package schedule

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program"
)

//go:embed routes.md
var docs string

var idParam = program.Param{Name: "id", In: "path", Doc: "The schedule's ID.", Schema: "ScheduleId"}

// List is a page of schedules.
type List struct {
	Schedules []State `json:"schedules"`
	// Next is the cursor of the following page; empty on the last.
	Next string `json:"next,omitempty"`
}

// Module is the schedules' module. writes maps the operation IDs of the
// write routes a schedule may name (the other modules') to their paths.
func Module(writes map[string]string) program.Module {
	return program.Module{
		Name: Program, Title: "Schedules", Docs: docs,
		Routes: []program.Route{
			{Method: "GET", Path: "/v1/schedules", ID: "listSchedules", Roles: program.Readers, Params: []program.Param{program.AfterParam, program.LimitParam}, Handler: program.Read(serveList)},
			{Method: "GET", Path: "/v1/schedules/{id}", ID: "getSchedule", Roles: program.Readers, Params: []program.Param{idParam}, Handler: program.Read(serveGet)},
			{Method: "PUT", Path: "/v1/schedules/{id}", ID: "setSchedule", Roles: program.Admins, Params: []program.Param{idParam}, Handler: program.Write(func(c program.Call, s Schedule) (program.Effect[State], error) {
				s.ID = c.Path("id")
				return program.Record(Set(c.Key(), c.Now(), s, writes), func(v engine.View) (State, error) { return Read(v, s.ID) }), nil
			})},
			{Method: "DELETE", Path: "/v1/schedules/{id}", ID: "deleteSchedule", Roles: program.Admins, Params: []program.Param{idParam}, Handler: program.Write(serveDelete)},
		},
		Errors: []*errcode.Error{ErrInvalid, ErrOperation, ErrRecorded},
		State:  []program.StateKey{{Pattern: stateKey("{id}"), Holds: "a schedule: what it runs, when, how far it has run, its last run"}},
	}
}

func serveGet(c program.Call) (State, error) { return Read(c.View(), c.Path("id")) }

func serveList(c program.Call) (List, error) {
	limit, err := program.Limit(c)
	if err != nil {
		return List{}, err
	}
	after := ""
	if a := c.Query("after"); a != "" {
		parts, err := program.DecodeCursor(a, 1)
		if err != nil {
			return List{}, err
		}
		after = stateKey(parts[0])
	}
	return Page(c.List, after, limit)
}

// Page reads up to limit schedules whose keys sort after after.
func Page(list func(prefix, after string, limit int) ([]engine.StateValue, error), after string, limit int) (List, error) {
	rows, err := list(stateKey(""), after, limit)
	if err != nil {
		return List{}, err
	}
	out := List{Schedules: make([]State, 0, len(rows))}
	for _, row := range rows {
		var st State
		if err := json.Unmarshal(row.Value, &st); err != nil {
			return List{}, fmt.Errorf("schedule %s is corrupt: %w", row.Key, err)
		}
		if !st.Deleted {
			out.Schedules = append(out.Schedules, st)
		}
	}
	if len(rows) == limit {
		out.Next = program.EncodeCursor(strings.TrimPrefix(rows[len(rows)-1].Key, stateKey("")))
	}
	return out, nil
}

func serveDelete(c program.Call, _ program.NoBody) (program.Effect[State], error) {
	id := c.Path("id")
	return program.Record(Delete(c.Key(), c.Now(), id), func(engine.View) (State, error) { return State{Schedule: Schedule{ID: id}}, nil }), nil
}
