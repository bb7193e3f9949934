package programs_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/internal/clientgen"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

// A tip jar: the smallest program, declared the way every program is, to
// show that a module is all the API, the document and the client need.

type TipRequest struct {
	// The tipped account.
	To     string      `json:"to" schema:"AccountName"`
	Amount wire.Amount `json:"amount"`
}

var errTipZero = errcode.Remote(errcode.Unprocessable, "tipjar_zero", "a tip is at least one unit")

func tipjar() program.Module {
	return program.Module{
		Name: "tipjar", Title: "Tip jar",
		Docs: "Tips in USD.\n\n## createTip: Leave a tip\n\nPays a tip from @tipper to an account.\n\nAnswer: The entry.\n",
		Routes: []program.Route{{Method: "POST", Path: "/v1/tipjar/tips", ID: "createTip", Roles: program.Ingestors, Status: program.Created,
			Handler: program.Write(func(c program.Call, req TipRequest) (program.Effect[wire.EntryJSON], error) {
				amt, err := program.Amount(c, req.Amount, "USD")
				if err != nil {
					return program.Effect[wire.EntryJSON]{}, err
				}
				op := engine.ProgramOp("tipjar", c.Key(), "tip", c.Now(), func(h *ledger.Hasher) { h.String(req.To).Amount(amt) }, nil,
					func(engine.View) (engine.Change, error) {
						if amt.IsZero() {
							return engine.Change{}, errTipZero
						}
						return engine.Change{Postings: []ledger.Posting{{From: "@tipper", To: req.To, Currency: "USD", Amount: amt, Path: "tipjar → " + req.To}}}, nil
					})
				return program.EntryAnswer(op), nil
			})}},
	}
}

// TestOneRowAddsAProgram adds the tip jar as one row of the registry and
// finds it served, documented and in the generated client.
func TestOneRowAddsAProgram(t *testing.T) {
	saved := programs.All
	programs.All = append(append([]programs.Program(nil), saved...), programs.Program{Module: func(programs.Deps) program.Module { return tipjar() }})
	t.Cleanup(func() { programs.All = saved })

	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const secret = "trb_tipjar_test_admin_token_0123456789"
	if err := s.PutToken(ctx, auth.FromSecret(secret, auth.Admin, nil, "t", time.Now())); err != nil {
		t.Fatal(err)
	}
	reg := money.NewRegistry()
	srv := api.New(api.Config{Store: s, Engine: engine.New(s, reg), Currencies: reg, Modules: programs.Modules(programs.Deps{})})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	post := func(key, body string) (int, string) {
		req, _ := http.NewRequest("POST", hs.URL+"/v1/tipjar/tips", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if st, body := post("tip-1", `{"to":"artist:1","amount":"500"}`); st != 201 || !strings.Contains(body, `"to":"artist:1"`) {
		t.Errorf("a tip = %d %s; want 201 and its entry", st, body)
	}
	if st, body := post("tip-2", `{"to":"artist:1","amount":"0"}`); st != 422 || !strings.Contains(body, "tipjar_zero") {
		t.Errorf("a zero tip = %d %s; want 422 tipjar_zero", st, body)
	}

	doc, err := srv.Document(nil)
	if err != nil || !bytes.Contains(doc, []byte(`"/v1/tipjar/tips"`)) || !bytes.Contains(doc, []byte(`"TipRequest"`)) {
		t.Errorf("the document lacks the tip jar's route or its body (%v)", err)
	}
	client, err := clientgen.FromServer()
	if err != nil || !bytes.Contains(client, []byte("func (c *Client) CreateTip(ctx context.Context, key string, body programs_test.TipRequest)")) {
		t.Errorf("the generated client lacks CreateTip (%v)", err)
	}
}
