package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/auth"
)

func TestTokenCacheBounds(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	c := newTokenCache(func() time.Time { return now })
	tok := func(i int) auth.Token {
		return auth.FromSecret(fmt.Sprintf("trb_cache_%d", i), auth.Reader, nil, "", now)
	}

	// Bounded: more tokens than the limit never grow the cache past it,
	// and the newest one is kept.
	for i := range tokenCacheMax + 50 {
		_, _, gen := c.get(tok(i).Hash)
		c.put(tok(i), now, gen)
	}
	if len(c.m) > tokenCacheMax {
		t.Errorf("cache holds %d tokens; want at most %d", len(c.m), tokenCacheMax)
	}
	if _, ok, _ := c.get(tok(tokenCacheMax + 49).Hash); !ok {
		t.Error("the token just stored is not in the cache")
	}

	// Fresh until TokenRecheck, then a miss.
	c = newTokenCache(func() time.Time { return now })
	a := tok(1)
	_, _, gen := c.get(a.Hash)
	c.put(a, now, gen)
	if got, ok, _ := c.get(a.Hash); !ok || got.ID != a.ID {
		t.Errorf("get = %v, %v; want the token", got.ID, ok)
	}
	now = now.Add(TokenRecheck)
	if _, ok, _ := c.get(a.Hash); ok {
		t.Error("a token read TokenRecheck ago is still trusted")
	}

	// A lookup under way when the token is revoked here does not store
	// the token as it read it before the revocation.
	_, _, gen = c.get(a.Hash)
	c.forget(a.ID)
	c.put(a, now, gen)
	if _, ok, _ := c.get(a.Hash); ok {
		t.Error("a lookup that raced a revocation stored the token")
	}

	// Neither revoked tokens nor forgotten ones are kept.
	r := tok(2)
	r.Revoked = now
	_, _, gen = c.get(r.Hash)
	c.put(r, now, gen)
	if _, ok, _ := c.get(r.Hash); ok {
		t.Error("a revoked token was cached")
	}
	_, _, gen = c.get(a.Hash)
	c.put(a, now, gen)
	c.forget(a.ID)
	if _, ok, _ := c.get(a.Hash); ok {
		t.Error("a forgotten token is still cached")
	}
}
