package api

import (
	_ "embed"
	"fmt"

	"github.com/tributary-ledger/tributary/api/openapi"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

// coreDocs is the prose of the core's routes; its lead is the document's
// description.
//
//go:embed routes.md
var coreDocs string

// Document builds the OpenAPI document of the server's routes, with the
// Go doc comments (openapi.Comments) as schema descriptions. The server
// serves the document generated into openapi.json (see
// TestOpenAPIDocumentIsCurrent), since the comments come from the source.
func (s *Server) Document(comments map[string]string) ([]byte, error) {
	lead, docs, err := program.ParseDocs(coreDocs)
	if err != nil {
		return nil, err
	}
	spec := openapi.Spec{
		Title: "Tributary", Version: "0.1.0", Summary: "A revenue-sharing ledger.", Description: lead,
		Extra:    []any{wire.EntryCommittedEvent{}, wire.WithdrawalChangedEvent{}, wire.ConfigChangedEvent{}},
		Errors:   errcode.All(),
		Status:   KindStatus,
		Comments: comments,
	}
	groups := map[string]*openapi.Group{}
	for _, m := range s.cfg.Modules {
		mlead, mdocs, err := program.ParseDocs(m.Docs)
		if err != nil {
			return nil, fmt.Errorf("program %s: %w", m.Name, err)
		}
		groups[m.Title] = &openapi.Group{Tag: m.Title, Lead: mlead, Docs: mdocs}
	}
	var order []*openapi.Group
	for _, rt := range s.routes {
		g := groups[rt.Tag]
		if g == nil {
			g = &openapi.Group{Tag: rt.Tag, Docs: docs}
			groups[rt.Tag] = g
		}
		if len(g.Routes) == 0 {
			order = append(order, g)
		}
		g.Routes = append(g.Routes, rt.Spec)
	}
	for _, g := range order {
		spec.Groups = append(spec.Groups, *g)
	}
	return openapi.Build(spec)
}
