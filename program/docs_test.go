package program

import (
	"strings"
	"testing"
)

func TestParseDocs(t *testing.T) {
	md := "What it does.\n\n## getThing: Get a thing\n\nReturns it.\n\nMore.\n\nPayee: Its own only.\n\nBody: None.\n\nAnswer: The thing.\n\n## putThing: Put it\n\nPuts it.\n"
	lead, docs, err := ParseDocs(md)
	if err != nil {
		t.Fatal(err)
	}
	if lead != "What it does." {
		t.Errorf("lead = %q", lead)
	}
	want := RouteDoc{Summary: "Get a thing", Text: "Returns it.\n\nMore.", Payee: "Its own only.", Body: "None.", Answer: "The thing."}
	if got := docs["getThing"]; got != want {
		t.Errorf("getThing = %+v; want %+v", got, want)
	}
	if docs["putThing"].Text != "Puts it." {
		t.Errorf("putThing = %+v", docs["putThing"])
	}
	for _, bad := range []string{"## nosummary\n", "## a: x\n\n## a: y\n", "## two words: x\n"} {
		if _, _, err := ParseDocs(bad); err == nil {
			t.Errorf("ParseDocs(%q) = nil error", strings.TrimSpace(bad))
		}
	}
}
