package sqlstore

import (
	"fmt"
	"testing"

	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

func bal(account string, units uint64) cachedBalance {
	return cachedBalance{b: ledger.Balance{BalanceKey: ledger.BalanceKey{Account: account, Currency: "USD"}, CreditsPosted: money.FromUint64(units)}, exists: true, recent: []byte{}}
}

func key(account string) ledger.BalanceKey {
	return ledger.BalanceKey{Account: account, Currency: "USD"}
}

func TestBalanceCache(t *testing.T) {
	c := newBalanceCache()
	c.max = 8
	if !c.begin(0) {
		t.Fatal("first begin did not reset")
	}
	c.fill([]cachedBalance{bal("a", 5)}, true)
	if v, ok := c.get(key("a")); !ok || !v.exists || v.b.CreditsPosted.Uint64() != 5 {
		t.Errorf("get(a) = %+v, %v; want 5, found", v, ok)
	}
	// Complete: a balance it does not hold is known to be zero.
	if v, ok := c.get(key("zz")); !ok || v.exists || !v.b.CreditsPosted.IsZero() || v.b.Account != "zz" {
		t.Errorf("get(zz) of a complete cache = %+v, %v; want zero, known", v, ok)
	}
	c.mu.Lock()
	c.merge(nil, []cachedBalance{bal("a", 7), bal("b", 1)}, 3)
	c.mu.Unlock()
	if c.begin(3) {
		t.Error("begin at the counter of the last merge reset the cache")
	}
	if v, _ := c.get(key("a")); v.b.CreditsPosted.Uint64() != 7 {
		t.Errorf("get(a) after merge = %v; want 7", v.b.CreditsPosted)
	}
	// Past the bound it evicts and stops claiming completeness.
	var many []cachedBalance
	for i := 0; i < 10; i++ {
		many = append(many, bal(fmt.Sprintf("n%d", i), uint64(i)))
	}
	c.mu.Lock()
	c.merge(nil, many, 4)
	n := len(c.m)
	c.mu.Unlock()
	if n > c.max {
		t.Errorf("cache holds %d balances; bound %d", n, c.max)
	}
	if _, ok := c.get(key("never-seen")); ok {
		t.Error("an incomplete cache answered for a balance it does not hold")
	}
	for _, m := range many {
		if v, ok := c.get(m.b.BalanceKey); ok && v.b.CreditsPosted.Cmp(m.b.CreditsPosted) != 0 {
			t.Errorf("get(%s) = %v; want %v or a miss", m.b.Account, v.b.CreditsPosted, m.b.CreditsPosted)
		}
	}
	// Another writer moved the counter: everything is forgotten.
	if !c.begin(9) {
		t.Error("begin at a foreign counter did not reset")
	}
	if _, ok := c.get(key("a")); ok {
		t.Error("a reset cache still answers")
	}
	// A commit of unknown outcome: the next transaction starts afresh even
	// at the same counter.
	c.mu.Lock()
	c.invalidate()
	c.merge(nil, []cachedBalance{bal("a", 1)}, 9)
	c.mu.Unlock()
	if !c.begin(9) {
		t.Error("begin after invalidate did not ask for a refill")
	}
	// Once a fill found more balances than fit, resets stop asking for
	// refills (each would read max+1 rows) but still empty the cache.
	c.fill(many[:2], false)
	if c.complete {
		t.Error("an incomplete fill made the cache complete")
	}
	if c.begin(10) {
		t.Error("begin after a too-big fill asked for a refill")
	}
	if _, ok := c.get(many[0].b.BalanceKey); ok {
		t.Error("a reset cache still answers")
	}
}
