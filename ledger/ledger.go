package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// Limits. Each has a check and an error that names it.
const (
	// KeyMaxLen bounds idempotency keys and withdrawal IDs in bytes.
	KeyMaxLen = 128
	// PostingsMax bounds the postings of one entry. It is large because
	// closing a usage epoch pays every participant in one entry; the API
	// applies a smaller limit to what a client may send directly.
	PostingsMax = 1 << 21
	// PathMaxLen bounds a posting's explanation in bytes.
	PathMaxLen = 1024
	// ProgramMaxLen bounds a program name.
	ProgramMaxLen = 32
)

// Error codes returned by this package. They are stable.
var (
	ErrKey              = errcode.New(errcode.Invalid, "key_invalid", "idempotency key is invalid")
	ErrKeyConflict      = errcode.New(errcode.Conflict, "key_conflict", "idempotency key was used with a different body")
	ErrPosting          = errcode.New(errcode.Invalid, "posting_invalid", "posting is invalid")
	ErrPostingsMax      = errcode.New(errcode.TooLarge, "postings_max", "entry has too many postings")
	ErrOverdraft        = errcode.New(errcode.Unprocessable, "overdraft", "account balance would go below zero")
	ErrWithdrawalState  = errcode.New(errcode.Conflict, "withdrawal_resolved", "withdrawal is not pending")
	ErrWithdrawalExists = errcode.New(errcode.Conflict, "withdrawal_exists", "withdrawal ID is taken")
	ErrNotFound         = errcode.New(errcode.NotFound, "not_found", "no such record")
	ErrBalanceOverflow  = errcode.New(errcode.Unprocessable, "balance_overflow", "balance total would exceed 2^256-1 base units")
)

// Kind says how an entry's postings change balances.
type Kind uint8

// Kinds of entries. Values are stored; append only, never renumber.
const (
	// Transfer moves money now: each posting debits From and credits To.
	Transfer Kind = 1
	// WithdrawalRequest reserves money: From's available balance drops at
	// once, but the amount stays pending until the withdrawal resolves.
	WithdrawalRequest Kind = 2
	// WithdrawalPost completes a pending withdrawal: the money leaves.
	WithdrawalPost Kind = 3
	// WithdrawalVoid cancels a pending withdrawal: the money returns.
	WithdrawalVoid Kind = 4
	// Config records a configuration change; it has no postings.
	Config Kind = 5
)

var kindNames = map[Kind]string{
	Transfer: "transfer", WithdrawalRequest: "withdrawal_request",
	WithdrawalPost: "withdrawal_post", WithdrawalVoid: "withdrawal_void", Config: "config",
}

// String returns the kind's stable name, such as "transfer".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "unknown"
}

// Posting moves Amount of Currency from one account to another. Because a
// posting names both sides, every entry balances per currency by
// construction; Verify still checks it from the journal.
type Posting struct {
	From     string
	To       string
	Currency string
	Amount   money.Amount
	// Path explains where the posting came from, for example
	// "collection:best-of-2026 → track:song-1 → split 15% → payee-2".
	Path string
}

// Entry is one committed, immutable element of the journal.
type Entry struct {
	Seq      uint64 // commit order, from 1, without gaps; set by the store
	Key      string // idempotency key
	Hash     Hash   // digest of the request that produced the entry
	Kind     Kind
	Program  string // producing program, "" for entries submitted directly
	Ref      string // withdrawal ID for withdrawal entries
	Time     time.Time
	Postings []Posting
}

// Hash is a SHA-256 digest of a request's canonical body. Two requests with
// the same key are the same request exactly when their hashes are equal.
type Hash [32]byte

// Hasher builds a Hash from length-prefixed fields, so that no two different
// field sequences give the same bytes.
type Hasher struct{ buf []byte }

// String adds a string field.
func (h *Hasher) String(s string) *Hasher {
	h.buf = binary.AppendUvarint(h.buf, uint64(len(s)))
	h.buf = append(h.buf, s...)
	return h
}

// Uint adds an integer field.
func (h *Hasher) Uint(v uint64) *Hasher { h.buf = binary.AppendUvarint(h.buf, v); return h }

// Amount adds an amount field.
func (h *Hasher) Amount(a money.Amount) *Hasher {
	b := a.Uint256().Bytes32()
	h.buf = append(h.buf, b[:]...)
	return h
}

// Bool adds a boolean field.
func (h *Hasher) Bool(b bool) *Hasher {
	if b {
		return h.Uint(1)
	}
	return h.Uint(0)
}

// Time adds a time field: its instant, to the nanosecond, whatever its
// location; the zero time is its own value.
func (h *Hasher) Time(t time.Time) *Hasher {
	if t.IsZero() {
		return h.Uint(0)
	}
	return h.Uint(1).String(t.UTC().Format(time.RFC3339Nano))
}

// Strings adds a list of strings: its length, then each.
func (h *Hasher) Strings(ss []string) *Hasher {
	h.Uint(uint64(len(ss)))
	for _, s := range ss {
		h.String(s)
	}
	return h
}

// OptUint adds an optional integer: whether it is set, then its value.
func (h *Hasher) OptUint(v *uint64) *Hasher {
	if v == nil {
		return h.Uint(0)
	}
	return h.Uint(1).Uint(*v)
}

// Sum returns the digest of the fields added so far.
func (h *Hasher) Sum() Hash { return sha256.Sum256(h.buf) }

// HashPostings returns the canonical digest of a directly submitted entry.
func HashPostings(kind Kind, ref string, postings []Posting) Hash {
	// Sized once: grown by appends, the buffer of a 4-posting payment was
	// reallocated seven times (a tenth of a request's allocations).
	n := 32 + len(ref)
	for _, p := range postings {
		n += 4*binary.MaxVarintLen16 + len(p.From) + len(p.To) + len(p.Currency) + 32 + len(p.Path)
	}
	h := Hasher{buf: make([]byte, 0, n)}
	h.String("postings/v1").Uint(uint64(kind)).String(ref).Uint(uint64(len(postings)))
	for _, p := range postings {
		h.String(p.From).String(p.To).String(p.Currency).Amount(p.Amount).String(p.Path)
	}
	return h.Sum()
}

// ValidateKey checks an idempotency key or a withdrawal ID: 1 to KeyMaxLen
// bytes of printable ASCII without spaces, not a path (a withdrawal's ID
// goes into URL paths).
//
// Errors: ErrKey, ErrNamePath.
func ValidateKey(key string) error {
	if key == "" || len(key) > KeyMaxLen {
		return errcode.Errorf(ErrKey, "key is %d bytes; want 1 to %d printable ASCII characters", len(key), KeyMaxLen)
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] > '~' {
			return errcode.Errorf(ErrKey, "key has byte 0x%02x at %d; want printable ASCII without spaces", key[i], i)
		}
	}
	return checkSegments("key", key, key)
}

// Currencies looks up currency codes; *money.Registry satisfies it.
type Currencies interface {
	Lookup(code string) (money.Currency, error)
}

// ValidatePostings checks the shape of an entry's postings: their number,
// account names, known currencies, non-zero amounts, and explanations.
// Whether the accounts can afford them is Apply's business.
//
// Errors: ErrPostingsMax, ErrPosting, ErrAccount, money.ErrUnknownCurrency.
func ValidatePostings(kind Kind, postings []Posting, currencies Currencies) error {
	if len(postings) > PostingsMax {
		return errcode.Errorf(ErrPostingsMax, "entry has %d postings; at most %d are allowed", len(postings), PostingsMax)
	}
	if kind == Config {
		if len(postings) > 0 {
			return errcode.Errorf(ErrPosting, "a configuration entry has no postings; got %d", len(postings))
		}
		return nil
	}
	if len(postings) == 0 {
		return errcode.Errorf(ErrPosting, "entry has no postings; want at least one")
	}
	// A withdrawal entry carries one posting per withdrawal it changes:
	// one for a payee's own request, one per line for a payout batch that
	// reserves every payee's balance at once.
	for i, p := range postings {
		if kind != Transfer && !strings.HasPrefix(p.Path, WithdrawalPathPrefix) {
			return errcode.Errorf(ErrPosting, "posting %d of a %s entry has path %q; each names its withdrawal (%q…)", i, kind, p.Path, WithdrawalPathPrefix)
		}
	}
	for i, p := range postings {
		if err := ValidateAccount(p.From); err != nil {
			return fmt.Errorf("posting %d: from: %w", i, err) // keeps ErrAccount or ErrNamePath
		}
		if err := ValidateAccount(p.To); err != nil {
			return fmt.Errorf("posting %d: to: %w", i, err)
		}
		if p.From == p.To {
			return errcode.Errorf(ErrPosting, "posting %d moves money from %q to itself; want two different accounts", i, p.From)
		}
		if _, err := currencies.Lookup(p.Currency); err != nil {
			return errcode.Errorf(money.ErrUnknownCurrency, "posting %d: %v", i, err)
		}
		if p.Amount.IsZero() {
			return errcode.Errorf(ErrPosting, "posting %d has a zero amount; want at least one base unit", i)
		}
		if len(p.Path) > PathMaxLen {
			return errcode.Errorf(ErrPosting, "posting %d: path is %d bytes; at most %d are allowed", i, len(p.Path), PathMaxLen)
		}
	}
	return nil
}
