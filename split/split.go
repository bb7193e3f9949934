package split

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Unit says how shares are counted.
type Unit uint8

const (
	// BasisPoints counts shares in hundredths of a percent: they must sum to
	// exactly TotalBasisPoints, so a configuration that hands out 99.5% or
	// 101% is refused instead of being silently scaled.
	BasisPoints Unit = iota + 1
	// Weights counts shares as any positive integers; each receiver gets
	// share/sum of the amount. Their sum must fit in a uint64.
	Weights
)

// String returns "basis points" or "weights", for messages.
func (u Unit) String() string {
	switch u {
	case BasisPoints:
		return "basis points"
	case Weights:
		return "weights"
	}
	return "unit(" + strconv.FormatUint(uint64(u), 10) + ")"
}

// TotalBasisPoints is what the shares of a BasisPoints split sum to: 100%.
const TotalBasisPoints = 10000

// Limits bounds what a split configuration may hold, so that no
// configuration can make an allocation arbitrarily slow or large. A zero or
// negative field means the field's default from DefaultLimits.
type Limits struct {
	ReceiversMax int // receivers per split; default 1000
	DepthMax     int // nesting levels including the top split; default 8
	// PartsMax bounds the leaf parts one allocation of a set produces; default
	// 100000. Nesting multiplies: a split of 1000 receivers that each nest a
	// split of 1000 would produce a million parts from one event, so the
	// expansion is counted and bounded when the set is built.
	PartsMax int
}

// DefaultLimits are the limits used for a Limits field that is zero or
// negative.
var DefaultLimits = Limits{ReceiversMax: 1000, DepthMax: 8, PartsMax: 100000}

// withDefaults fills zero or negative fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.ReceiversMax <= 0 {
		l.ReceiversMax = DefaultLimits.ReceiversMax
	}
	if l.DepthMax <= 0 {
		l.DepthMax = DefaultLimits.DepthMax
	}
	if l.PartsMax <= 0 {
		l.PartsMax = DefaultLimits.PartsMax
	}
	return l
}

// Receiver is one line of a split: exactly one of Account or Split is set.
type Receiver struct {
	// Account is the ledger account credited with this receiver's part. It
	// must pass ledger.ValidateAccount, must not be external (a split pays
	// into the ledger, not to the outside world) and must not be the EVM zero
	// address, where money would be burned.
	Account string
	// Split is the ID of a nested split that shares this receiver's part in
	// turn.
	Split string
	// Share is the receiver's share in its split's Unit, at least 1.
	Share uint64
}

// Split shares an amount among its receivers by their shares.
type Split struct {
	ID        string // 1 to 64 bytes of letters, digits and . _ : -
	Unit      Unit
	Receivers []Receiver
}

// idMaxLen bounds split IDs; long enough for a UUID with a prefix.
const idMaxLen = 64

// zeroAddress is the EVM zero address. Tokens sent to it are burned, so a
// split that names it is almost certainly a configuration mistake (an unset
// address field) and is refused.
const zeroAddress = "0x0000000000000000000000000000000000000000"

// Validate checks a split on its own, without looking at other splits: the ID,
// the unit, the number of receivers against lim.ReceiversMax, every receiver,
// and the sum of the shares. References to nested splits are checked by
// NewSet, which sees the whole set. Errors are reported for the first problem
// in the order listed below, receivers in their configured order.
//
// Errors: ErrIDInvalid, ErrUnitInvalid, ErrEmpty, ErrReceiversMax,
// ErrReceiverInvalid, ErrShareZero, ErrReceiverDuplicate, ErrSharesSum,
// ErrWeightsOverflow.
func (s Split) Validate(lim Limits) error {
	lim = lim.withDefaults()
	if !validID(s.ID) {
		return errcode.Errorf(ErrIDInvalid, "split ID %q must be 1 to %d bytes of letters, digits and . _ : -", s.ID, idMaxLen)
	}
	if s.Unit != BasisPoints && s.Unit != Weights {
		return errcode.Errorf(ErrUnitInvalid, "split %q has unit %d; want %d (basis points) or %d (weights)", s.ID, s.Unit, BasisPoints, Weights)
	}
	if len(s.Receivers) == 0 {
		return errcode.Errorf(ErrEmpty, "split %q has no receivers; it needs at least one", s.ID)
	}
	if len(s.Receivers) > lim.ReceiversMax {
		return errcode.Errorf(ErrReceiversMax, "split %q has %d receivers; at most %d are allowed", s.ID, len(s.Receivers), lim.ReceiversMax)
	}
	// Keys are prefixed so that an account and a nested split with the same
	// name are not mistaken for each other.
	seen := make(map[string]int, len(s.Receivers))
	var sum uint64
	overflow := false
	for i, r := range s.Receivers {
		if err := s.validateReceiver(i, r); err != nil {
			return err
		}
		key, what := "a"+r.Account, "account"
		if r.Split != "" {
			key, what = "s"+r.Split, "nested split"
		}
		if j, dup := seen[key]; dup {
			return errcode.Errorf(ErrReceiverDuplicate, "split %q receivers %d and %d both name %s %q; name each receiver once with its combined share", s.ID, j, i, what, r.Account+r.Split)
		}
		seen[key] = i
		var carry uint64
		sum, carry = bits.Add64(sum, r.Share, 0)
		overflow = overflow || carry != 0
	}
	switch s.Unit {
	case BasisPoints:
		if overflow {
			return errcode.Errorf(ErrSharesSum, "basis points of split %q sum to more than 2^64-1; they must sum to exactly %d (100%%)", s.ID, TotalBasisPoints)
		}
		if sum != TotalBasisPoints {
			return errcode.Errorf(ErrSharesSum, "basis points of split %q sum to %d (%s); they must sum to exactly %d (100%%)", s.ID, sum, FormatShare(BasisPoints, sum, TotalBasisPoints), TotalBasisPoints)
		}
	case Weights:
		if overflow {
			return errcode.Errorf(ErrWeightsOverflow, "weights of split %q sum to more than 2^64-1 (%d); scale them down", s.ID, uint64(1<<64-1))
		}
	}
	return nil
}

func (s Split) validateReceiver(i int, r Receiver) error {
	switch {
	case r.Account == "" && r.Split == "":
		return errcode.Errorf(ErrReceiverInvalid, "split %q receiver %d names neither an account nor a split; set exactly one", s.ID, i)
	case r.Account != "" && r.Split != "":
		return errcode.Errorf(ErrReceiverInvalid, "split %q receiver %d names both account %q and split %q; set exactly one", s.ID, i, r.Account, r.Split)
	case r.Split != "":
		if !validID(r.Split) {
			return errcode.Errorf(ErrReceiverInvalid, "split %q receiver %d names split %q; a split ID is 1 to %d bytes of letters, digits and . _ : -", s.ID, i, r.Split, idMaxLen)
		}
	default:
		if err := ledger.ValidateAccount(r.Account); err != nil {
			return errcode.Errorf(ErrReceiverInvalid, "split %q receiver %d: %v", s.ID, i, err)
		}
		if ledger.IsExternal(r.Account) {
			return errcode.Errorf(ErrReceiverInvalid, "split %q receiver %d names external account %q; a split credits internal accounts only (no leading %q)", s.ID, i, r.Account, ledger.ExternalPrefix)
		}
		if strings.EqualFold(r.Account, zeroAddress) {
			return errcode.Errorf(ErrReceiverInvalid, "split %q receiver %d names the zero address %q, where money is burned; name the payee's own account", s.ID, i, r.Account)
		}
	}
	if r.Share == 0 {
		return errcode.Errorf(ErrShareZero, "split %q receiver %d has share 0; every share must be at least 1 (drop the receiver instead)", s.ID, i)
	}
	return nil
}

// validID reports whether id is 1 to idMaxLen bytes of [a-zA-Z0-9._:-].
func validID(id string) bool {
	if id == "" || len(id) > idMaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// FormatShare writes a share for people and for explanation paths. Basis
// points are written as an exact percentage with trailing zeros trimmed (1500
// is "15%", 1550 "15.5%", 1 "0.01%", 10000 "100%"); sum is ignored because it
// is always TotalBasisPoints. Weights are written as share/sum ("3/10"),
// unreduced, so the configured numbers stay recognisable. An unknown unit is
// written like weights. It never rounds: basis points have exactly two
// decimals as a percentage.
func FormatShare(unit Unit, share, sum uint64) string {
	var buf [48]byte
	b := buf[:0]
	if unit != BasisPoints {
		b = strconv.AppendUint(b, share, 10)
		b = append(b, '/')
		b = strconv.AppendUint(b, sum, 10)
		return string(b)
	}
	b = strconv.AppendUint(b, share/100, 10)
	if frac := share % 100; frac != 0 {
		b = append(b, '.', byte('0'+frac/10))
		if frac%10 != 0 {
			b = append(b, byte('0'+frac%10))
		}
	}
	b = append(b, '%')
	return string(b)
}

// Share is one receiver of a basis-point split as programs configure it:
// an account and its share out of TotalBasisPoints.
type Share struct {
	// The receiving account.
	Account string `json:"account" schema:"AccountName"`
	// The recipient's share in basis points; the shares of a split sum to
	// exactly 10000.
	ShareBP uint64 `json:"share_bp" jsonschema:"minimum=1,maximum=10000"`
}

// OfShares returns shares as a basis-point Split with the given ID, for
// Validate.
func OfShares(id string, shares []Share) Split {
	s := Split{ID: id, Unit: BasisPoints, Receivers: make([]Receiver, len(shares))}
	for i, sh := range shares {
		s.Receivers[i] = Receiver{Account: sh.Account, Share: sh.ShareBP}
	}
	return s
}

// AllocateShares hands out total by the shares' basis points, exactly, by
// largest remainder; parts are in the order of shares.
//
// Errors: those of Allocate.
func AllocateShares(total money.Amount, shares []Share) ([]money.Amount, error) {
	bp := make([]uint64, len(shares))
	for i, sh := range shares {
		bp[i] = sh.ShareBP
	}
	return Allocate(total, bp)
}
