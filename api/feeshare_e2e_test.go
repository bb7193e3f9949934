package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/wire"
)

// fakeChain is a test-only FeeshareChain: it verifies no EIP-712 signature
// (the chain package's tests do, on a real EVM); any 65-byte signature
// "recovers" the configured signer, and the facts are fixed.
type fakeChain struct {
	facts    feeshare.Facts
	signer   feeshare.Address
	dialling bool // the chain's id is not known yet: ChainID is 0
}

func (f *fakeChain) Facts(context.Context, feeshare.Address, feeshare.Address) (feeshare.Facts, error) {
	return f.facts, nil
}

func (f *fakeChain) Signer(_ feeshare.Request, sig []byte) (feeshare.Address, error) {
	if len(sig) != 65 {
		return feeshare.Address{}, errcode.Errorf(api.ErrBadRequest, "signature is %d bytes; want 65", len(sig))
	}
	return f.signer, nil
}

func (f *fakeChain) ChainID() uint64 {
	if f.dialling {
		return 0
	}
	return 9001
}

func (f *fakeChain) Head(context.Context) (uint64, error) { return f.facts.Head, nil }

type fsEnv struct {
	srv   *httptest.Server
	store testStore
	admin *client.Client
}

func startFeeshare(t *testing.T, s testStore, chain feeshare.ChainClient) *fsEnv {
	t.Helper()
	if err := s.PutToken(context.Background(), auth.FromSecret(adminSecret, auth.Admin, nil, "test admin", time.Now())); err != nil {
		t.Fatal(err)
	}
	reg := money.NewRegistry()
	cfg := api.Config{Store: s, Engine: engine.New(s, reg), Currencies: reg, EventPoll: 20 * time.Millisecond}
	cfg.Modules = programs.Modules(programs.Deps{FeeshareChain: chain})
	srv := httptest.NewServer(api.New(cfg).Handler())
	t.Cleanup(srv.Close)
	return &fsEnv{srv: srv, store: s, admin: client.New(srv.URL, adminSecret, nil)}
}

func (e *fsEnv) secret(t *testing.T, role auth.Role) string {
	t.Helper()
	tok, err := e.admin.CreateToken(context.Background(), wire.TokenRequest{Role: string(role)})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Secret
}

type answer struct {
	status   int
	code     string
	body     []byte
	replayed bool
}

// call sends a request with an optional token and idempotency key; body is
// JSON-encoded unless it is already bytes.
func (e *fsEnv) call(t *testing.T, method, path, token, key string, body any) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: raw, replayed: resp.Header.Get("Idempotent-Replayed") == "true"}
	var eb struct {
		Error struct{ Code string } `json:"error"`
	}
	if resp.StatusCode >= 400 && json.Unmarshal(raw, &eb) == nil {
		a.code = eb.Error.Code
	}
	return a
}

func (a answer) want(t *testing.T, what string, status int, code string) {
	t.Helper()
	if a.status != status || a.code != code {
		t.Errorf("%s: HTTP %d %q (%s); want %d %q", what, a.status, a.code, bytes.TrimSpace(a.body), status, code)
	}
}

func decodeAs[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decoding %s: %v", a.body, err)
	}
	return v
}

// TestFeeshareEndToEnd drives every fee-share route over HTTP: parameters,
// signed and admin registration with each refusal, queries in both address
// forms, update, cancel, events and genesis.
func TestFeeshareEndToEnd(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			deployer := feeshare.Address{0: 0xde, 19: 1}
			withdrawer := feeshare.Address{0: 0x77, 19: 2}
			contract, _ := feeshare.DeriveCreate(deployer, []uint64{5, 2, 1})
			chain := &fakeChain{facts: feeshare.Facts{DeployerNonce: 12, ContractHasCode: true, Head: 99}, signer: deployer}
			e := startFeeshare(t, open(t), chain)
			reader := e.secret(t, auth.Reader)
			ingest := e.secret(t, auth.Ingestor)
			exp := fmt.Sprint(time.Now().Add(time.Hour).Unix())
			sig := strings.Repeat("ab", 65)
			reg := feeshare.RequestJSON{Contract: contract.Hex(), Deployer: deployer.Bech32(), Withdrawer: withdrawer.Bech32(), Nonces: []string{"5", "2", "1"}, ChainID: "9001", Expiry: exp, Nonce: "1", Signature: sig}

			// Parameters.
			p := decodeAs[feeshare.ParamsJSON](t, e.call(t, "GET", "/v1/feeshare/params", reader, "", nil))
			if p != (feeshare.ParamsJSON{EnableRevenue: true, DeveloperSharesBP: 5000, DeveloperShares: "0.5", AddrDerivationCostCreate: 50}) {
				t.Errorf("default params = %+v", p)
			}
			tru, cost := true, uint64(60)
			e.call(t, "PUT", "/v1/feeshare/params", reader, "p0", feeshare.ParamsRequest{EnableRevenue: &tru, DeveloperShares: "40%", AddrDerivationCostCreate: &cost}).want(t, "a reader setting params", 403, "forbidden")
			e.call(t, "PUT", "/v1/feeshare/params", adminSecret, "p1", feeshare.ParamsRequest{EnableRevenue: &tru, DeveloperShares: "1.5", AddrDerivationCostCreate: &cost}).want(t, "150% developer shares", 422, "feeshare_shares_invalid")
			e.call(t, "PUT", "/v1/feeshare/params", adminSecret, "p2", feeshare.ParamsRequest{DeveloperShares: "0.4"}).want(t, "params without every field", 400, "bad_request")
			a := e.call(t, "PUT", "/v1/feeshare/params", adminSecret, "p3", feeshare.ParamsRequest{EnableRevenue: &tru, DeveloperShares: "0.4", AddrDerivationCostCreate: &cost})
			if a.want(t, "admin setting params", 200, ""); decodeAs[feeshare.ParamsJSON](t, a).DeveloperSharesBP != 4000 {
				t.Errorf("params after PUT 0.4: %s", a.body)
			}

			// Refusals, nothing written.
			bad := func(edit func(*feeshare.RequestJSON)) feeshare.RequestJSON {
				r := reg
				r.Nonces = append([]string(nil), reg.Nonces...)
				edit(&r)
				return r
			}
			for i, tc := range []struct {
				what   string
				token  string
				body   feeshare.RequestJSON
				status int
				code   string
			}{
				{"no signature and no token", "", bad(func(r *feeshare.RequestJSON) { r.Signature = "" }), 401, "feeshare_signature_required"},
				{"a reader token", reader, reg, 403, "forbidden"},
				{"an ingestor token", ingest, reg, 403, "forbidden"},
				// The token is judged before the body: a reader learns
				// nothing from how its body would have been read.
				{"a reader token with a malformed body", reader, bad(func(r *feeshare.RequestJSON) { r.Contract = "0x1234" }), 403, "forbidden"},
				{"an unknown token with a malformed body", "trb_not_a_token", bad(func(r *feeshare.RequestJSON) { r.Contract = "0x1234" }), 401, "unauthenticated"},
				{"another chain", "", bad(func(r *feeshare.RequestJSON) { r.ChainID = "1" }), 422, "feeshare_chain_id_mismatch"},
				{"a wrong nonce path", "", bad(func(r *feeshare.RequestJSON) { r.Nonces = []string{"5", "2", "2"} }), 422, "feeshare_derivation_mismatch"},
				{"21 nonces", "", bad(func(r *feeshare.RequestJSON) { r.Nonces = strings.Split(strings.Repeat("1,", 20)+"1", ",") }), 422, "feeshare_nonces_max"},
				{"no nonces", "", bad(func(r *feeshare.RequestJSON) { r.Nonces = nil }), 422, "feeshare_nonces_empty"},
				{"zero contract", "", bad(func(r *feeshare.RequestJSON) { r.Contract = "0x0000000000000000000000000000000000000000" }), 422, "feeshare_contract_zero"},
				{"malformed bech32", "", bad(func(r *feeshare.RequestJSON) { r.Deployer = r.Deployer[:len(r.Deployer)-1] + "x" }), 400, "feeshare_bech32_invalid"},
				{"another prefix", "", bad(func(r *feeshare.RequestJSON) { r.Deployer = "cosmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawd" }), 400, "feeshare_bech32_invalid"},
				{"short hex", "", bad(func(r *feeshare.RequestJSON) { r.Contract = "0x1234" }), 400, "feeshare_address_invalid"},
				{"expired", "", bad(func(r *feeshare.RequestJSON) { r.Expiry = fmt.Sprint(time.Now().Add(-time.Minute).Unix()) }), 422, "feeshare_request_expired"},
				{"a signature of 3 bytes", "", bad(func(r *feeshare.RequestJSON) { r.Signature = "0xabcdef" }), 400, "feeshare_signature_invalid"},
				{"a signature not in hex", "", bad(func(r *feeshare.RequestJSON) { r.Signature = "zz" }), 400, "bad_request"},
			} {
				e.call(t, "POST", "/v1/feeshare/register", tc.token, fmt.Sprint("bad-", i), tc.body).want(t, tc.what, tc.status, tc.code)
			}
			chain.signer = feeshare.Address{19: 0x66}
			e.call(t, "POST", "/v1/feeshare/register", "", "r-other", reg).want(t, "signed by another key", 403, "feeshare_signer_mismatch")
			chain.signer = deployer
			e.call(t, "GET", "/v1/feeshare/contracts/"+contract.Hex(), reader, "", nil).want(t, "the contract before registering", 404, "not_found")

			// Register, signed by the deployer.
			a = e.call(t, "POST", "/v1/feeshare/register", "", "r1", reg)
			a.want(t, "register", 201, "")
			firstRegister := a
			got := decodeAs[feeshare.WriteJSON](t, a)
			if got.Contract != contract.Hex() || got.ContractBech32 != contract.Bech32() || got.DeployerBech32 != deployer.Bech32() || got.Withdrawer != withdrawer.Hex() ||
				got.Payee != withdrawer.Account() || got.GasCost != 180 || got.By != "deployer" {
				t.Errorf("register answered %s; want both forms, payee %s, gas 3 × 60", a.body, withdrawer.Account())
			}
			if again := e.call(t, "POST", "/v1/feeshare/register", "", "r1", reg); again.status != 201 || !again.replayed {
				t.Errorf("the same key again: %d, replayed %v; want a replay", again.status, again.replayed)
			}
			e.call(t, "POST", "/v1/feeshare/register", "", "r2", reg).want(t, "the signed request under a new key", 409, "feeshare_request_replayed")
			e.call(t, "POST", "/v1/feeshare/register", adminSecret, "r3", bad(func(r *feeshare.RequestJSON) { r.Signature = "" })).want(t, "registering again as admin", 409, "feeshare_already_registered")

			// Queries, by either address form.
			for _, form := range []string{contract.Hex(), contract.Bech32(), strings.ToLower(contract.Hex())} {
				a := e.call(t, "GET", "/v1/feeshare/contracts/"+form, reader, "", nil)
				if r := decodeAs[feeshare.RegistrationJSON](t, a); r.Contract != contract.Hex() || r.WithdrawerBech32 != withdrawer.Bech32() {
					t.Errorf("GET contract %s = %s", form, a.body)
				}
			}
			other, _ := feeshare.DeriveCreate(deployer, []uint64{7})
			chain.facts.DeployerNonce = 13
			e.call(t, "POST", "/v1/feeshare/register", adminSecret, "r4", feeshare.RequestJSON{Contract: other.Hex(), Deployer: deployer.Hex(), Nonces: []string{"7"}}).want(t, "admin registering on the deployer's behalf", 201, "")
			page := decodeAs[feeshare.ContractsJSON](t, e.call(t, "GET", "/v1/feeshare/contracts?limit=1", reader, "", nil))
			if len(page.Contracts) != 1 || page.Total != 2 || page.Next != "1" {
				t.Errorf("first page of 1 = %+v; want 1 of 2 and next 1", page)
			}
			page = decodeAs[feeshare.ContractsJSON](t, e.call(t, "GET", "/v1/feeshare/contracts?limit=1&after=1", reader, "", nil))
			if len(page.Contracts) != 1 || page.Next != "" {
				t.Errorf("second page = %+v; want the last one", page)
			}
			if page := decodeAs[feeshare.ContractsJSON](t, e.call(t, "GET", "/v1/feeshare/deployers/"+deployer.Bech32()+"/contracts", reader, "", nil)); page.Total != 2 {
				t.Errorf("deployer's contracts = %+v; want 2", page)
			}
			if page := decodeAs[feeshare.ContractsJSON](t, e.call(t, "GET", "/v1/feeshare/withdrawers/"+withdrawer.Hex()+"/contracts", reader, "", nil)); page.Total != 1 || page.Contracts[0].Contract != contract.Hex() {
				t.Errorf("withdrawer's contracts = %+v; want the first contract", page)
			}
			a = e.call(t, "GET", "/v1/feeshare/contracts/"+other.Hex(), reader, "", nil)
			if r := decodeAs[feeshare.RegistrationJSON](t, a); !strings.HasPrefix(r.By, "admin:") || r.Payee != deployer.Account() {
				t.Errorf("admin's registration = %s; want by admin:… and the deployer paid", a.body)
			}

			// Update: the seed's refusal, then a new withdrawer by signature.
			upd := feeshare.RequestJSON{Contract: contract.Hex(), Deployer: deployer.Hex(), Withdrawer: deployer.Hex(), ChainID: "9001", Expiry: exp, Nonce: "2", Signature: sig}
			e.call(t, "POST", "/v1/feeshare/update", "", "u1", upd).want(t, "update to the deployer", 422, "feeshare_withdrawer_is_deployer")
			upd.Withdrawer = ""
			firstUpdate := e.call(t, "POST", "/v1/feeshare/update", "", "u2", upd)
			if firstUpdate.want(t, "update to no withdrawer", 200, ""); decodeAs[feeshare.WriteJSON](t, firstUpdate).Payee != deployer.Account() {
				t.Errorf("after clearing the withdrawer: %s", firstUpdate.body)
			}
			chain.signer = withdrawer
			upd.Nonce = "3"
			e.call(t, "POST", "/v1/feeshare/cancel", "", "c0", upd).want(t, "cancel signed by the withdrawer", 403, "feeshare_signer_mismatch")
			e.call(t, "POST", "/v1/feeshare/cancel", "", "c1", feeshare.RequestJSON{Contract: contract.Hex(), Deployer: withdrawer.Hex(), ChainID: "9001", Expiry: exp, Nonce: "3", Signature: sig}).want(t, "cancel by a key that is not the contract's deployer", 403, "feeshare_not_deployer")
			chain.signer = deployer
			e.call(t, "POST", "/v1/feeshare/cancel", "", "c2", upd).want(t, "cancel by the deployer", 200, "")
			e.call(t, "GET", "/v1/feeshare/contracts/"+contract.Hex(), reader, "", nil).want(t, "the contract after cancelling", 404, "not_found")
			// A register retried after the cancel answers what it first did.
			if again := e.call(t, "POST", "/v1/feeshare/register", "", "r1", reg); again.status != 201 || !again.replayed || !bytes.Equal(again.body, firstRegister.body) {
				t.Errorf("register replayed after cancel: %d, replayed %v, %s; want the first answer %s", again.status, again.replayed, again.body, firstRegister.body)
			}
			// So does an update.
			if again := e.call(t, "POST", "/v1/feeshare/update", "", "u2", feeshare.RequestJSON{Contract: contract.Hex(), Deployer: deployer.Hex(), ChainID: "9001", Expiry: exp, Nonce: "2", Signature: sig}); again.status != 200 || !again.replayed || !bytes.Equal(again.body, firstUpdate.body) {
				t.Errorf("update replayed after cancel: %d, replayed %v, %s; want the first answer %s", again.status, again.replayed, again.body, firstUpdate.body)
			}
			if c := decodeAs[feeshare.WriteJSON](t, e.call(t, "POST", "/v1/feeshare/cancel", "", "c2", upd)); c.By != "deployer" || !c.Cancelled {
				t.Errorf("cancel answered by %q, cancelled %v; want by deployer", c.By, c.Cancelled)
			}
			e.call(t, "POST", "/v1/feeshare/update", adminSecret, "u3", feeshare.RequestJSON{Contract: contract.Hex(), Deployer: deployer.Hex(), Withdrawer: withdrawer.Hex()}).want(t, "updating a cancelled contract", 404, "feeshare_not_registered")

			// The seed's events, in the outbox.
			evs, err := e.store.Events(context.Background(), 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, ev := range evs {
				seen[ev.Type]++
			}
			if seen[feeshare.EventRegister] != 2 || seen[feeshare.EventUpdate] != 1 || seen[feeshare.EventCancel] != 1 {
				t.Errorf("events %v; want 2 register_revenue, 1 update_revenue, 1 cancel_revenue", seen)
			}

			// Genesis: export here, import into a server without a chain,
			// export there: the same bytes.
			e.call(t, "GET", "/v1/feeshare/genesis", reader, "", nil).want(t, "a reader exporting genesis", 403, "forbidden")
			g1 := e.call(t, "GET", "/v1/feeshare/genesis", adminSecret, "", nil)
			g1.want(t, "genesis export", 200, "")
			e2 := startFeeshare(t, open(t), nil)
			e2.call(t, "POST", "/v1/feeshare/genesis", adminSecret, "g1", []byte(`{"params":{}}x`)).want(t, "a broken genesis", 400, "feeshare_genesis_invalid")
			e2.call(t, "POST", "/v1/feeshare/genesis", adminSecret, "g2", g1.body).want(t, "genesis import", 200, "")
			e2.call(t, "POST", "/v1/feeshare/genesis", adminSecret, "g3", g1.body).want(t, "a second import", 409, "feeshare_genesis_not_empty")
			if g2 := e2.call(t, "GET", "/v1/feeshare/genesis", adminSecret, "", nil); !bytes.Equal(g1.body, g2.body) {
				t.Errorf("export → import → export differs:\n%s\n%s", g1.body, g2.body)
			}

			// Without a chain, registration is unavailable, not wrong.
			e2.call(t, "POST", "/v1/feeshare/register", "", "n1", reg).want(t, "register without a chain", 503, "feeshare_chain_unavailable")
			e2.call(t, "POST", "/v1/feeshare/register", adminSecret, "n2", bad(func(r *feeshare.RequestJSON) { r.Signature = "" })).want(t, "admin register without a chain", 503, "feeshare_chain_unavailable")
			// A chain still being dialled does not know its id yet: a signed
			// request is not refused as naming another chain, but answered 503.
			e3 := startFeeshare(t, open(t), &fakeChain{dialling: true})
			e3.call(t, "POST", "/v1/feeshare/register", "", "n3", reg).want(t, "register while the chain is dialled", 503, "feeshare_chain_unavailable")
			cur := decodeAs[feeshare.CursorJSON](t, e2.call(t, "GET", "/v1/feeshare/cursor", adminSecret, "", nil))
			if cur.Head != nil || len(cur.Blocks) != 0 {
				t.Errorf("cursor of a fresh server = %+v; want empty", cur)
			}
		})
	}
}

// FuzzFeeshareRequest posts arbitrary bodies to the signed-request routes:
// whatever arrives, the answer is a typed refusal or a success, never a
// server error.
func FuzzFeeshareRequest(f *testing.F) {
	deployer := feeshare.Address{0: 0xde, 19: 1}
	contract, _ := feeshare.DeriveCreate(deployer, []uint64{0})
	good, _ := json.Marshal(feeshare.RequestJSON{Contract: contract.Hex(), Deployer: deployer.Bech32(), Nonces: []string{"0"}, ChainID: "9001", Expiry: "99999999999", Nonce: "1", Signature: strings.Repeat("00", 65)})
	for _, seed := range []string{string(good), `{}`, `{"contract":"0x"}`, `{"nonces":["-1"]}`, `{"expiry":"18446744073709551615"}`, `[`, ``} {
		f.Add(seed, uint8(0))
	}
	f.Fuzz(func(t *testing.T, body string, route uint8) {
		// A fresh server and store each time: a failing input then fails
		// alone, whatever ran before it.
		e := startFeeshare(t, stores(t)["sqlite"](t), &fakeChain{facts: feeshare.Facts{DeployerNonce: 1, ContractHasCode: true}, signer: deployer})
		path := "/v1/feeshare/" + []string{"register", "update", "cancel"}[route%3]
		a := e.call(t, "POST", path, "", fmt.Sprint("fz-", len(body), "-", route), []byte(body))
		if a.status >= 500 || a.status >= 400 && a.code == "" {
			t.Fatalf("POST %s %q: HTTP %d %s", path, body, a.status, a.body)
		}
	})
}
