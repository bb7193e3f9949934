package openapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program"
)

type ThingRequest struct {
	// The thing's owner.
	Owner string  `json:"owner" schema:"AccountName"`
	Limit *uint64 `json:"limit"`
	Note  string  `json:"note,omitempty" jsonschema:"maxLength=10"`
}

type ThingJSON struct {
	ID string `json:"id"`
}

type BadTag struct {
	Who string `json:"who" schema:"NoSuchFormat"`
}

func spec(rt program.Route, docs map[string]program.RouteDoc) Spec {
	return Spec{Title: "t", Version: "1", Groups: []Group{{Tag: "Things", Routes: []program.Route{rt}, Docs: docs}},
		Errors:   []*errcode.Error{errcode.Remote(errcode.Conflict, "thing_exists", "the thing exists")},
		Comments: map[string]string{"github.com/tributary-ledger/tributary/api/openapi.ThingRequest.Owner": "The thing's\nowner."},
		Status: func(k errcode.Kind) int {
			if k == errcode.Conflict {
				return http.StatusConflict
			}
			return http.StatusInternalServerError
		}}
}

var thingDocs = map[string]program.RouteDoc{"createThing": {Summary: "Create a thing", Text: "Creates it.", Payee: "A payee may create its own.", Answer: "The thing."}}

func thingRoute() program.Route {
	return program.Route{Method: "POST", Path: "/v1/things/{kind}", ID: "createThing", Roles: []auth.Role{auth.Admin, auth.Payee},
		Params: []program.Param{{Name: "kind", In: "path", Doc: "The kind.", Example: "big"}}, Status: program.Created,
		Handler: program.Describe[ThingRequest, ThingJSON](true)}
}

func TestBuild(t *testing.T) {
	raw, err := Build(spec(thingRoute(), thingDocs))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas   map[string]map[string]any `json:"schemas"`
			Responses map[string]map[string]any `json:"responses"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	op := doc.Paths["/v1/things/{kind}"]["post"]
	desc, _ := op["description"].(string)
	for _, want := range []string{"Creates it.", "The write is idempotent under its `Idempotency-Key`.", "**Who may call:** a bearer token with role `admin`, `payee`. A payee may create its own."} {
		if !strings.Contains(desc, want) {
			t.Errorf("description %q lacks %q", desc, want)
		}
	}
	if _, ok := op["responses"].(map[string]any)["201"]; !ok {
		t.Errorf("responses %v: want 201", op["responses"])
	}
	if strings.Contains(string(raw), "$defs") {
		t.Error("a reference still points into $defs")
	}
	req := doc.Components.Schemas["ThingRequest"]
	props, _ := req["properties"].(map[string]any)
	owner, _ := props["owner"].(map[string]any)
	if owner["$ref"] != "#/components/schemas/AccountName" || owner["description"] != "The thing's owner." {
		t.Errorf("owner = %v; want the AccountName format, described", owner)
	}
	if _, ok := doc.Components.Schemas["AccountName"]; !ok {
		t.Error("the AccountName format a field names is not among the schemas")
	}
	limit, _ := props["limit"].(map[string]any)
	if _, ok := limit["anyOf"]; !ok {
		t.Errorf("limit = %v; a pointer always written must allow null", limit)
	}
	if !strings.Contains(doc.Components.Responses["Conflict"]["description"].(string), "`thing_exists`: the thing exists") {
		t.Error("the 409 response does not list the conflict code")
	}
}

func TestBuildRefuses(t *testing.T) {
	undeclared := thingRoute()
	undeclared.Params = nil
	badFormat := thingRoute()
	badFormat.Handler = program.Describe[BadTag, ThingJSON](true)
	tests := []struct {
		name string
		rt   program.Route
		docs map[string]program.RouteDoc
		want string
	}{
		{"no docs", thingRoute(), map[string]program.RouteDoc{}, "no section"},
		{"undeclared path parameter", undeclared, thingDocs, "{kind} is not declared"},
		{"unknown format", badFormat, thingDocs, "NoSuchFormat"},
	}
	for _, tt := range tests {
		if _, err := Build(spec(tt.rt, tt.docs)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Build = %v; want an error with %q", tt.name, err, tt.want)
		}
	}
}

func TestTrimTypeName(t *testing.T) {
	for _, tt := range []struct{ in, name, want string }{
		{"AssetJSON is an asset with its royalty.", "AssetJSON", "An asset with its royalty."},
		{"Limits are the bounds.", "Limits", "The bounds."},
		{"BatchResponse answers a batch.", "BatchResponse", "Answers a batch."},
		{"Something else entirely.", "Thing", "Something else entirely."},
	} {
		if got := trimTypeName(tt.in, tt.name); got != tt.want {
			t.Errorf("trimTypeName(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
