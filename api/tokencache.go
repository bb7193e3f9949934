package api

import (
	"sync"
	"time"

	"github.com/tributary-ledger/tributary/auth"
)

// Token cache limits.
const (
	// TokenRecheck is how long a valid token read from the store is
	// trusted before the store is asked again. It bounds how long a token
	// revoked by another process sharing the database (another serve on
	// the same PostgreSQL, or a tool writing the same SQLite file) keeps
	// working here; a token revoked through this server stops at once.
	// Every request authenticates, and asking the store each time was a
	// query per request; asking once a second per token is not.
	TokenRecheck = time.Second
	// tokenCacheMax bounds the tokens remembered at once, so that many
	// distinct tokens cannot grow the cache without limit.
	tokenCacheMax = 1024
)

// tokenCache remembers valid tokens by the digest of their secret, never by
// the secret. It holds only what the store would answer for that digest:
// unknown and revoked tokens are not remembered, so the cache can only
// delay the effect of a revocation made elsewhere (by TokenRecheck), never
// admit a token the store never knew.
type tokenCache struct {
	now func() time.Time
	mu  sync.RWMutex
	m   map[[32]byte]cachedToken
	// gen counts forgets. A lookup that went to the store while a token
	// was being revoked here may hold the token as it was before the
	// revocation; it stores what it read only if no forget happened in
	// between, so a revocation through this server is never undone.
	gen uint64
}

type cachedToken struct {
	tok     auth.Token
	fetched time.Time
}

func newTokenCache(now func() time.Time) *tokenCache {
	return &tokenCache{now: now, m: make(map[[32]byte]cachedToken)}
}

// get returns the token remembered for digest while it is fresh. It also
// returns the generation to hand to put after a miss.
func (c *tokenCache) get(digest [32]byte) (auth.Token, bool, uint64) {
	c.mu.RLock()
	e, ok := c.m[digest]
	gen := c.gen
	c.mu.RUnlock()
	if !ok || c.now().Sub(e.fetched) >= TokenRecheck {
		return auth.Token{}, false, gen
	}
	return e.tok, true, gen
}

// put remembers a valid token read from the store when the lookup began at
// generation gen, unless a forget has happened since.
func (c *tokenCache) put(tok auth.Token, fetched time.Time, gen uint64) {
	if !tok.Valid() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if _, ok := c.m[tok.Hash]; !ok && len(c.m) >= tokenCacheMax {
		// Drop stale entries first; if none are, drop any one (map order
		// is unspecified, which is as good as random here). A dropped
		// token costs only a store query at its next use.
		now := c.now()
		for h, e := range c.m {
			if now.Sub(e.fetched) >= TokenRecheck {
				delete(c.m, h)
			}
		}
		for h := range c.m {
			if len(c.m) < tokenCacheMax {
				break
			}
			delete(c.m, h)
		}
	}
	c.m[tok.Hash] = cachedToken{tok: tok, fetched: fetched}
}

// forget drops the token with id, and makes lookups already under way not
// store what they read.
func (c *tokenCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.m {
		if e.tok.ID == id {
			delete(c.m, h)
		}
	}
}
