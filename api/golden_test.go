package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// TestAnswersByteForByte pins the bytes of an entry's answer, its replay
// and a read of it, and of a program's recorded answer: the codecs and
// the routes may change shape behind them, the answers may not.
func TestAnswersByteForByte(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutToken(ctx, auth.FromSecret(adminSecret, auth.Admin, nil, "golden", time.Now())); err != nil {
		t.Fatal(err)
	}
	reg := money.NewRegistry()
	now := func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 123456789, time.UTC) }
	srv := httptest.NewServer(api.New(api.Config{Store: s, Engine: engine.New(s, reg), Currencies: reg, Now: now, Modules: programs.Modules(programs.Deps{})}).Handler())
	defer srv.Close()
	call := func(method, path, key, body string) string {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminSecret)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Status + " " + string(b)
	}
	const entry = `{"seq":1,"key":"pay-1","kind":"transfer","time":"2026-12-07T12:00:00.123456789Z","postings":[{"from":"@buyer:1","to":"artist:1","amount":"990","currency":"USD","path":"sale → split 50% → artist:1"},{"from":"@buyer:1","to":"platform","amount":"10","currency":"USD"}]}` + "\n"
	body := `{"postings":[{"from":"@buyer:1","to":"artist:1","amount":"990","currency":"USD","path":"sale → split 50% → artist:1"},{"from":"@buyer:1","to":"platform","amount":"10","currency":"USD"}]}`
	const asset = `{"id":"asset-7","owner":"artist:1","split":[{"account":"artist:1","share_bp":7000},{"account":"artist:2","share_bp":3000}],"sold":false,"effective_royalty_bp":1000}` + "\n"
	tests := []struct {
		name, method, path, key, body, want string
	}{
		{"entry", "POST", "/v1/entries", "pay-1", body, "201 Created " + entry},
		{"its replay", "POST", "/v1/entries", "pay-1", body, "201 Created " + entry},
		{"a read of it", "GET", "/v1/entries/1", "", "", "200 OK " + entry},
		{"a recorded answer", "POST", "/v1/market/assets", "asset-7", `{"id":"asset-7","owner":"artist:1","split":[{"account":"artist:1","share_bp":7000},{"account":"artist:2","share_bp":3000}]}`, "201 Created " + asset},
		{"its replay", "POST", "/v1/market/assets", "asset-7", `{"id":"asset-7","owner":"artist:1","split":[{"account":"artist:1","share_bp":7000},{"account":"artist:2","share_bp":3000}]}`, "201 Created " + asset},
		{"a refusal", "POST", "/v1/entries", "pay-2", `{"postings":[{"from":"artist:9","to":"x","amount":"1","currency":"USD"}]}`, `422 Unprocessable Entity {"error":{"code":"overdraft","message":"artist:9 would have -0.01 USD available; internal accounts never go below zero"}}` + "\n"},
	}
	for _, tt := range tests {
		if got := call(tt.method, tt.path, tt.key, tt.body); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
