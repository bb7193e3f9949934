package clientgen

import (
	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/programs"
)

// FromServer generates the client's routes from a server with every
// registered program.
func FromServer() ([]byte, error) {
	srv := api.New(api.Config{Modules: programs.Modules(programs.Deps{})})
	docs, err := srv.RouteDocs()
	if err != nil {
		return nil, err
	}
	var routes []Route
	for _, rt := range srv.Routes() {
		routes = append(routes, Route{Spec: rt.Spec, Summary: docs[rt.Spec.ID].Summary})
	}
	return Generate(routes, handWritten)
}

// handWritten are the routes the client serves by hand: the system's
// (liveness, readiness, the document, metrics), the event stream, and the
// routes whose bodies or answers are bytes that must not be re-encoded.
func handWritten(rt program.Route) bool {
	h := rt.Handler
	return h.Plain || h.ContentType != "" || h.RawBody || h.RawAnswer
}
