package money

import (
	"sort"
	"sync"

	"github.com/tributary-ledger/tributary/errcode"
)

// MaxDecimals bounds a currency's precision. 10^36 leaves 10^41 whole units
// in 256 bits, more than any real supply.
const MaxDecimals = 36

// maxCodeLen bounds currency codes; long enough for token tickers.
const maxCodeLen = 16

// Currency is what an amount is counted in: a code and the number of decimal
// places between a base unit and a whole unit.
type Currency struct {
	Code     string
	Decimals uint8
}

// Built-in currencies.
var (
	USD  = Currency{Code: "USD", Decimals: 2}
	USDC = Currency{Code: "USDC", Decimals: 6}
	ETH  = Currency{Code: "ETH", Decimals: 18}
)

// Validate checks that the code is 2 to 16 characters of A-Z and 0-9 starting
// with a letter, and that the precision is at most MaxDecimals.
func (c Currency) Validate() error {
	if len(c.Code) < 2 || len(c.Code) > maxCodeLen {
		return errcode.Errorf(ErrCurrency, "currency code %q must be 2 to %d characters", c.Code, maxCodeLen)
	}
	for i := 0; i < len(c.Code); i++ {
		ch := c.Code[i]
		letter := ch >= 'A' && ch <= 'Z'
		if !letter && !(i > 0 && ch >= '0' && ch <= '9') {
			return errcode.Errorf(ErrCurrency, "currency code %q must be upper-case letters and digits, starting with a letter", c.Code)
		}
	}
	if c.Decimals > MaxDecimals {
		return errcode.Errorf(ErrCurrency, "currency %s has %d decimals; at most %d are allowed", c.Code, c.Decimals, MaxDecimals)
	}
	return nil
}

// Registry maps currency codes to currencies. It is safe for concurrent use.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Currency
}

// NewRegistry returns a registry holding the built-in currencies USD, USDC
// and ETH.
func NewRegistry() *Registry {
	r := &Registry{m: make(map[string]Currency)}
	for _, c := range []Currency{USD, USDC, ETH} {
		r.m[c.Code] = c
	}
	return r
}

// Register adds a currency. Registering a code again with the same decimals
// is a no-op; with other decimals it is refused, because every amount already
// counted in that currency would change its meaning.
//
// Errors: ErrCurrency.
func (r *Registry) Register(c Currency) error {
	if err := c.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.m[c.Code]; ok {
		if old.Decimals != c.Decimals {
			return errcode.Errorf(ErrCurrency, "currency %s is registered with %d decimals; it cannot change to %d", c.Code, old.Decimals, c.Decimals)
		}
		return nil
	}
	r.m[c.Code] = c
	return nil
}

// Lookup returns the currency with the given code.
//
// Errors: ErrUnknownCurrency.
func (r *Registry) Lookup(code string) (Currency, error) {
	r.mu.RLock()
	c, ok := r.m[code]
	r.mu.RUnlock()
	if !ok {
		return Currency{}, errcode.Errorf(ErrUnknownCurrency, "currency %q is not registered; known: %v", code, r.codes())
	}
	return c, nil
}

// All returns every registered currency, ordered by code.
func (r *Registry) All() []Currency {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Currency, 0, len(r.m))
	for _, c := range r.m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

func (r *Registry) codes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.m))
	for code := range r.m {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}
