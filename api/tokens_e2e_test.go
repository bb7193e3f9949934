package api_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/wire"
)

// testClock is a clock that moves only when told.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestTokenRevocation checks both bounds of the token cache: a token
// revoked through the server stops at its next request, and one revoked
// behind the server's back, in the store or through another server on the
// same database (as another process sharing the database does), stops
// once TokenRecheck has passed on the cache's clock.
func TestTokenRevocation(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := start(t, open(t))
			clock := &testClock{t: time.Unix(1_000_000, 0)}
			api.SetTokenClock(e.api, clock.now)
			ctx := context.Background()

			// Through this server: refused at once, with no clock moved.
			tok, err := e.admin.CreateToken(ctx, wire.TokenRequest{Role: string(auth.Reader)})
			if err != nil {
				t.Fatal(err)
			}
			reader := client.New(e.srv.URL, tok.Secret, nil)
			if _, err := reader.GetAccount(ctx, "payee:1"); err != nil {
				t.Fatalf("a fresh reader token: %v", err)
			}
			if _, err := e.admin.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			_, err = reader.GetAccount(ctx, "payee:1")
			wantCode(t, "a token revoked through the server", err, "unauthenticated", 401)

			// Behind the server's back: trusted until the recheck, then
			// refused; the admin token, never revoked, keeps working.
			tok, err = e.admin.CreateToken(ctx, wire.TokenRequest{Role: string(auth.Reader)})
			if err != nil {
				t.Fatal(err)
			}
			reader = client.New(e.srv.URL, tok.Secret, nil)
			if _, err := reader.GetAccount(ctx, "payee:1"); err != nil {
				t.Fatalf("a fresh reader token: %v", err)
			}
			if _, err := e.s.RevokeToken(ctx, tok.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			if _, err := reader.GetAccount(ctx, "payee:1"); err != nil {
				// Were it refused here, the check below would not be
				// testing the cache's bound at all.
				t.Errorf("a token revoked elsewhere, within TokenRecheck: %v; want it still trusted (cached)", err)
			}
			clock.advance(api.TokenRecheck)
			_, err = reader.GetAccount(ctx, "payee:1")
			wantCode(t, "a token revoked elsewhere, after TokenRecheck", err, "unauthenticated", 401)
			if _, err := e.admin.GetAccount(ctx, "payee:1"); err != nil {
				t.Errorf("the admin token after the recheck: %v", err)
			}

			// Through another server on the same database, as two serve
			// processes on one PostgreSQL: the same bound, on the clock of
			// the server that did not revoke.
			other := start(t, e.s)
			otherClock := &testClock{t: time.Unix(1_000_000, 0)}
			api.SetTokenClock(other.api, otherClock.now)
			tok, err = e.admin.CreateToken(ctx, wire.TokenRequest{Role: string(auth.Reader)})
			if err != nil {
				t.Fatal(err)
			}
			reader = client.New(other.srv.URL, tok.Secret, nil)
			if _, err := reader.GetAccount(ctx, "payee:1"); err != nil {
				t.Fatalf("a fresh reader token on the other server: %v", err)
			}
			if _, err := e.admin.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := reader.GetAccount(ctx, "payee:1"); err != nil {
				t.Errorf("a token revoked on another server, within TokenRecheck: %v; want it still trusted (cached)", err)
			}
			otherClock.advance(api.TokenRecheck)
			_, err = reader.GetAccount(ctx, "payee:1")
			wantCode(t, "a token revoked on another server, after TokenRecheck", err, "unauthenticated", 401)
		})
	}
}
