package split

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// decodeAllocation turns fuzz bytes into a total and shares:
// mode, total length (0..32), total (big-endian), then shares of 1, 2, 4 or
// 8 big-endian bytes each by mode&3; mode&4 lifts zero shares to 1 so that
// most inputs are allocatable.
func decodeAllocation(data []byte) (money.Amount, []uint64) {
	if len(data) < 2 {
		return money.Zero, nil
	}
	mode, tl := data[0], min(int(data[1])%33, len(data)-2)
	data = data[2:]
	var t uint256.Int
	t.SetBytes(data[:tl])
	data = data[tl:]
	width := [4]int{1, 2, 4, 8}[mode&3]
	var shares []uint64
	for len(data) >= width && len(shares) < 2048 {
		var buf [8]byte
		copy(buf[8-width:], data[:width])
		s := binary.BigEndian.Uint64(buf[:])
		if mode&4 != 0 && s == 0 {
			s = 1
		}
		shares = append(shares, s)
		data = data[width:]
	}
	return money.FromUint256(&t), shares
}

func FuzzAllocate(f *testing.F) {
	f.Add([]byte{4, 1, 198, 0x13, 0x88, 0x05, 0xdc, 0x0d, 0xac}) // wrong width on purpose: 1-byte shares
	f.Add([]byte{5, 1, 198, 0x13, 0x88, 0x05, 0xdc, 0x0d, 0xac}) // 198 at 5000/1500/3500
	f.Add([]byte{0, 1, 100, 1, 1, 1})                            // thirds
	f.Add([]byte{0, 1, 100, 1, 0, 1})                            // zero share
	f.Add([]byte{0, 0})                                          // no shares
	f.Add([]byte{3, 32,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0x80, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}) // near 2^256 by near 2^64
	f.Add([]byte{3, 1, 9, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0}) // shares overflow
	tmp := newBigTemps()
	f.Fuzz(func(t *testing.T, data []byte) {
		total, shares := decodeAllocation(data)
		parts, err := Allocate(total, shares)
		// Work out independently what the answer must be.
		want := ""
		var sum uint64
		overflow := false
		for _, s := range shares {
			if s == 0 && want == "" {
				want = "split_share_zero"
			}
			next := sum + s
			overflow = overflow || next < sum
			sum = next
		}
		switch {
		case len(shares) == 0:
			want = "split_empty"
		case want == "" && overflow:
			want = "split_weights_overflow"
		}
		if got := errorCode(err); got != want {
			t.Fatalf("Allocate(%s, %v) error code = %q (%v); want %q", total, shares, got, err, want)
		}
		if err != nil {
			return
		}
		if msg := checkParts(total, shares, parts, tmp); msg != "" {
			t.Fatalf("Allocate(%s, %v) = %v: %s", total, shares, parts, msg)
		}
	})
}

// configReader hands out fuzz bytes one at a time, zeros once they run out,
// so every input decodes to some configuration.
type configReader struct{ data []byte }

func (r *configReader) next() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *configReader) uint64() uint64 {
	var v uint64
	for range 8 {
		v = v<<8 | uint64(r.next())
	}
	return v
}

// fuzzAccounts mixes good account names with every kind a split refuses.
var fuzzAccounts = []string{
	"alice", "bob", "carol", "label:treasury", "0xAbC0000000000000000000000000000000000001",
	"@world", "0x0000000000000000000000000000000000000000", "0X0000000000000000000000000000000000000000",
	"bad name", "", "a/b", "@", strings.Repeat("x", 129),
}

// fuzzIDs are the split IDs a configuration may define or name; "s4" is
// never defined, and the last two are malformed.
var fuzzIDs = []string{"s0", "s1", "s2", "s3", "s4", "", "bad id"}

// decodeConfig turns fuzz bytes into up to four splits and limits small
// enough that the fuzzer reaches every limit.
func decodeConfig(data []byte) ([]Split, Limits) {
	r := &configReader{data: data}
	lim := Limits{ReceiversMax: int(r.next() % 8), DepthMax: int(r.next() % 5), PartsMax: int(r.next())}
	nSplits := 1 + int(r.next()%4)
	splits := make([]Split, nSplits)
	for i := range splits {
		sp := &splits[i]
		sp.ID = "s" + strconv.Itoa(i)
		if b := r.next(); b >= 250 {
			sp.ID = fuzzIDs[int(b)%len(fuzzIDs)] // a duplicate, unknown or malformed ID
		}
		switch u := r.next(); u % 4 {
		case 0, 1:
			sp.Unit = BasisPoints
		case 2:
			sp.Unit = Weights
		default:
			sp.Unit = Unit(u)
		}
		n := int(r.next() % 7)
		var sum uint64
		for range n {
			var rc Receiver
			switch kind := r.next(); kind % 8 {
			case 0, 1, 2, 3:
				rc.Account = fuzzAccounts[int(r.next())%len(fuzzAccounts)]
			case 4, 5:
				rc.Split = fuzzIDs[int(r.next())%len(fuzzIDs)]
			case 6:
				rc.Account, rc.Split = "alice", "s1"
			}
			if b := r.next(); b&1 == 0 {
				rc.Share = uint64(b) * 20 // basis-point sized
			} else {
				rc.Share = r.uint64()
			}
			sum += rc.Share
			sp.Receivers = append(sp.Receivers, rc)
		}
		// Most random basis points do not sum to 10000; let the input ask for
		// the last share to make them, so that nesting gets explored.
		if r.next()&1 == 1 && sp.Unit == BasisPoints && n > 0 {
			last := &sp.Receivers[n-1]
			if rest := sum - last.Share; rest < TotalBasisPoints {
				last.Share = TotalBasisPoints - rest
			}
		}
	}
	return splits, lim
}

// seedSplit describes a split for seedConfig in decodeConfig's terms.
type seedSplit struct {
	id, unit byte // id < 250 keeps "s<index>"; unit 0 is basis points, 2 weights
	recv     []seedRecv
	fix      byte // 1 makes basis points sum to 10000
}

// seedRecv is a receiver: kind 0 is fuzzAccounts[ref], 4 is fuzzIDs[ref],
// 6 both, 7 neither; an even share byte b means b*20, an odd one is
// followed by the 8 bytes of big.
type seedRecv struct {
	kind, ref, share byte
	big              uint64
}

// seedConfig encodes a configuration the way decodeConfig reads it, so that
// seeds say what they hold.
func seedConfig(receiversMax, depthMax, partsMax byte, splits ...seedSplit) []byte {
	b := []byte{receiversMax, depthMax, partsMax, byte(len(splits) - 1)}
	for _, sp := range splits {
		b = append(b, sp.id, sp.unit, byte(len(sp.recv)))
		for _, rc := range sp.recv {
			b = append(b, rc.kind)
			if rc.kind%8 < 6 {
				b = append(b, rc.ref)
			}
			b = append(b, rc.share)
			if rc.share&1 == 1 {
				b = binary.BigEndian.AppendUint64(b, rc.big)
			}
		}
		b = append(b, sp.fix)
	}
	return b
}

func FuzzSplitConfig(f *testing.F) {
	alice, bob, carol, world, zero := byte(0), byte(1), byte(2), byte(5), byte(6)
	acc := func(ref, share byte) seedRecv { return seedRecv{kind: 0, ref: ref, share: share} }
	sub := func(ref, share byte) seedRecv { return seedRecv{kind: 4, ref: ref, share: share} }
	// One basis-point split of three accounts: 20% / 20% / 60%.
	f.Add(seedConfig(0, 0, 0, seedSplit{recv: []seedRecv{acc(alice, 100), acc(bob, 100), acc(carol, 100)}, fix: 1}))
	// s0 nests s1, which nests s2.
	f.Add(seedConfig(0, 0, 0,
		seedSplit{recv: []seedRecv{sub(1, 100), acc(alice, 100)}, fix: 1},
		seedSplit{unit: 2, recv: []seedRecv{acc(bob, 2), sub(2, 4)}},
		seedSplit{recv: []seedRecv{acc(carol, 2)}, fix: 1}))
	// A cycle s0 → s1 → s0.
	f.Add(seedConfig(0, 0, 0,
		seedSplit{unit: 2, recv: []seedRecv{sub(1, 2)}},
		seedSplit{unit: 2, recv: []seedRecv{sub(0, 2)}}))
	// Huge weights, just fitting.
	f.Add(seedConfig(0, 0, 0, seedSplit{unit: 2, recv: []seedRecv{{ref: alice, share: 1, big: 1<<64 - 41}, acc(bob, 2)}}))
	f.Add(seedConfig(0, 0, 0, seedSplit{unit: 2, recv: []seedRecv{{ref: alice, share: 1, big: 1<<64 - 1}, acc(bob, 2)}}))
	// More parts than PartsMax 1.
	f.Add(seedConfig(0, 0, 1, seedSplit{unit: 2, recv: []seedRecv{acc(alice, 2), acc(bob, 2)}}))
	// A chain deeper than DepthMax 2.
	f.Add(seedConfig(3, 2, 0,
		seedSplit{unit: 2, recv: []seedRecv{sub(1, 2), acc(alice, 2)}},
		seedSplit{unit: 2, recv: []seedRecv{sub(2, 2)}},
		seedSplit{unit: 2, recv: []seedRecv{acc(bob, 2)}}))
	// Refused receivers: external, zero address, both, neither, unknown split.
	f.Add(seedConfig(0, 0, 0, seedSplit{unit: 2, recv: []seedRecv{acc(world, 2), acc(zero, 2)}}))
	f.Add(seedConfig(0, 0, 0, seedSplit{unit: 2, recv: []seedRecv{{kind: 6, share: 2}, {kind: 7, share: 2}}}))
	f.Add(seedConfig(0, 0, 0, seedSplit{unit: 2, recv: []seedRecv{sub(4, 2)}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		splits, lim := decodeConfig(data)
		set, err := NewSet(splits, lim)
		if err != nil {
			if code := errorCode(err); !strings.HasPrefix(code, "split_") {
				t.Fatalf("NewSet(%v) error code = %q (%v); want a split_ code", splits, code, err)
			}
			return
		}
		full := lim.withDefaults()
		r := &configReader{data: data}
		for _, sp := range splits {
			var t256 uint256.Int
			t256.SetBytes(data[:min(len(data), int(r.next())%33)])
			total := money.FromUint256(&t256)
			parts, err := set.Allocate(sp.ID, total)
			if err != nil {
				t.Fatalf("Allocate(%s, %s) of an accepted set: %v", sp.ID, total, err)
			}
			if len(parts) > full.PartsMax {
				t.Fatalf("Allocate(%s, %s) gave %d parts; the limit is %d", sp.ID, total, len(parts), full.PartsMax)
			}
			sum := money.Zero
			for _, p := range parts {
				if err := ledger.ValidateAccount(p.Account); err != nil || ledger.IsExternal(p.Account) || strings.EqualFold(p.Account, zeroAddress) {
					t.Fatalf("Allocate(%s, %s) credits account %q (%v)", sp.ID, total, p.Account, err)
				}
				if len(p.Path) > 2*full.DepthMax || p.Path[len(p.Path)-1] != p.Account {
					t.Fatalf("Allocate(%s, %s) part %v has a malformed path", sp.ID, total, p)
				}
				if sum, err = sum.Add(p.Amount); err != nil {
					t.Fatalf("Allocate(%s, %s) parts overflow: %v", sp.ID, total, err)
				}
			}
			if sum.Cmp(total) != 0 {
				t.Fatalf("Allocate(%s, %s) parts sum to %s; want %s", sp.ID, total, sum, total)
			}
		}
	})
}
