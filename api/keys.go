package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program/payout"
)

// Idempotency keys are scoped by principal, as Stripe scopes them to an
// account rather than to one of its keys. The platform's own tokens
// (admin, configurator, ingestor, reader) share one key space, so that a
// retry sent through another of the platform's tokens still replays. Each
// payee principal, a payee token's set of accounts, has a key space of its
// own: its keys are stored under a prefix naming the principal
// (scopePrefix), so a payee can never collide with, block or probe the
// platform's keys or another payee's, and a conflict it meets is always
// with its own request. A payee's withdrawal ID is its stored key.

// ErrKeyReserved refuses a platform key that has the shape of a payee's
// stored key.
var ErrKeyReserved = errcode.New(errcode.Invalid, "key_reserved", "keys of the form ~p<16 hex digits>~… are reserved for payee key spaces, keys starting schedule: for the scheduler, and the key prefixes programs write under themselves (the refusal names the prefix and the program)")

// scopeHex is how many hex digits of the principal's digest its prefix
// keeps: 64 bits, so that two payee principals never share a space by
// chance.
const scopeHex = 16

// scopeLen is the length of a payee key space's prefix: "~p", the digits
// and "~".
const scopeLen = 2 + scopeHex + 1

// scopePrefix returns the prefix of the key space of tok's principal: ""
// for the platform's tokens, "~p<digest>~" for a payee token, where the
// digest is of its accounts as a set (two tokens for the same accounts are
// one principal).
func scopePrefix(tok auth.Token) string {
	if tok.Role != auth.Payee {
		return ""
	}
	accounts := slices.Clone(tok.Accounts)
	slices.Sort(accounts)
	accounts = slices.Compact(accounts)
	h := sha256.Sum256([]byte(strings.Join(accounts, "\n")))
	return "~p" + hex.EncodeToString(h[:])[:scopeHex] + "~"
}

// reservedKey reports whether key has the shape of a payee's stored key.
func reservedKey(key string) bool {
	if len(key) <= scopeLen || !strings.HasPrefix(key, "~p") || key[scopeLen-1] != '~' {
		return false
	}
	_, err := hex.DecodeString(key[2 : 2+scopeHex])
	return err == nil
}

// ScheduleKeyPrefix starts the keys of the scheduler's runs, which only
// the server itself may send (Invoke): a token that sent one first could
// block or cancel a scheduled run.
const ScheduleKeyPrefix = "schedule:"

// checkPlatformKey refuses a key the platform may not send.
func (s *Server) checkPlatformKey(key string) error {
	if err := ledger.ValidateKey(key); err != nil {
		return err
	}
	if reservedKey(key) {
		return errcode.Errorf(ErrKeyReserved, "key %q has the shape of a payee's key (~p<16 hex digits>~…); choose another", key)
	}
	if strings.HasPrefix(key, ScheduleKeyPrefix) {
		return errcode.Errorf(ErrKeyReserved, "key %q starts with %s, which is reserved for the scheduler's runs; choose another", key, ScheduleKeyPrefix)
	}
	for _, m := range s.cfg.Modules {
		for _, p := range m.Keys {
			if strings.HasPrefix(key, p) {
				return errcode.Errorf(ErrKeyReserved, "key %q starts with %s, which the %s program writes under itself; choose another", key, p, m.Name)
			}
		}
	}
	if payout.IsLineRef(key) {
		// A withdrawal's ID is its key: an entry under a line's reference
		// would take the ID of a batch's line before the batch does.
		return errcode.Errorf(payout.ErrLineReserved, "key %q has the shape of a payout batch line's reference (payout-<batch>-<line> or payout-<batch>-0x<address>); choose another (payout-batch-3 is fine)", key)
	}
	return nil
}

// idempotencyKey returns the key a write is stored under: its
// Idempotency-Key header in the caller's key space.
func (s *Server) idempotencyKey(r *http.Request, c *Call) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return "", errcode.Errorf(ErrKeyMissing, "%s %s is a write and needs an Idempotency-Key header (1 to %d printable characters); resending the same key is safe", r.Method, r.URL.Path, ledger.KeyMaxLen)
	}
	if c.internal {
		return key, ledger.ValidateKey(key)
	}
	if c.Token.Role != auth.Payee {
		return key, s.checkPlatformKey(key)
	}
	if err := ledger.ValidateKey(key); err != nil {
		return "", err
	}
	if len(key) > ledger.KeyMaxLen-scopeLen {
		return "", errcode.Errorf(ledger.ErrKey, "key is %d bytes; a payee's keys are 1 to %d printable ASCII characters", len(key), ledger.KeyMaxLen-scopeLen)
	}
	legacy, err := s.legacyKey(r.Context(), c.Token, key)
	if err != nil || legacy {
		return key, err
	}
	return scopePrefix(c.Token) + key, nil
}

// sharedKeys is a store that says where the shared key space ended
// (sqlstore's stores).
type sharedKeys interface {
	SharedKeysUntil(ctx context.Context) (uint64, error)
}

// sharedUntil caches SharedKeysUntil, which never changes once the store is
// open; zero is unknown yet (cached as until+1).
type sharedUntil struct{ v atomic.Uint64 }

// legacyKey reports whether a payee's key names one of its own entries
// committed while all callers shared one key space: then the bare key
// keeps naming it, so that a retry after the upgrade replays instead of
// writing twice. An entry is the payee's own when it moved only the
// payee's money (a withdrawal's request or resolution).
func (s *Server) legacyKey(ctx context.Context, tok auth.Token, key string) (bool, error) {
	sk, ok := s.cfg.Store.(sharedKeys)
	if !ok {
		return false, nil
	}
	until := s.shared.v.Load()
	if until == 0 {
		u, err := sk.SharedKeysUntil(ctx)
		if err != nil {
			return false, err
		}
		until = u + 1
		s.shared.v.Store(until)
	}
	if until == 1 {
		return false, nil // no entry predates scoped keys
	}
	e, err := s.cfg.Store.EntryByKey(ctx, key)
	if errors.Is(err, ledger.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if e.Seq >= until || len(e.Postings) == 0 {
		return false, nil
	}
	for _, p := range e.Postings {
		if !tok.MayAct(p.From) {
			return false, nil
		}
	}
	return true, nil
}

// withdrawalID returns the withdrawal a path's {id} names for the caller:
// for a payee, the one in its own key space when there is one, else the ID
// as sent (a withdrawal it requested before keys were scoped, or through
// the platform); the handlers then check the withdrawal's account.
func (s *Server) withdrawalID(r *http.Request, c *Call) (string, error) {
	id := r.PathValue("id")
	if err := ledger.ValidateKey(id); err != nil {
		return "", err
	}
	prefix := scopePrefix(c.Token)
	if prefix == "" || strings.HasPrefix(id, prefix) {
		return id, nil
	}
	_, err := s.cfg.Store.Withdrawal(r.Context(), prefix+id)
	switch {
	case err == nil:
		return prefix + id, nil
	case errors.Is(err, ledger.ErrNotFound):
		return id, nil
	}
	return "", err
}
