// Package merkle builds cumulative claims trees: one leaf per address,
// (address account, uint256 cumulative), where cumulative is everything ever
// made claimable to that address in one token. The trees are OpenZeppelin's
// StandardMerkleTree, byte for byte — the same leaf hashes, the same layout,
// the same root, proofs and JSON dump as the @openzeppelin/merkle-tree npm
// package — so that OpenZeppelin's MerkleProof in a contract and anyone
// holding the dump verify them with tools they already trust.
//
// The format, as the library documents it and as this package reproduces it:
//
//   - leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))));
//   - an inner node is keccak256 of its two children, the smaller first
//     (sorted pairs), so that a proof is a plain list of siblings;
//   - the tree is a complete binary tree of 2n−1 nodes in an array: the root
//     at 0, node i's children at 2i+1 and 2i+2, and the n leaves, sorted by
//     hash, placed from the last slot backwards (the smallest hash last);
//   - the dump is {"format":"standard-v1","leafEncoding":["address","uint256"],
//     "tree":[every node],"values":[{"value":[account,cumulative],"treeIndex":i}]},
//     the values in the order they were given.
//
// The package is pure: no I/O, clock or randomness. A Tree never changes
// once built and is safe for concurrent readers.
package merkle

import (
	"encoding/hex"

	"golang.org/x/crypto/sha3"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// Limits.
const (
	// LeavesMax bounds the leaves of one tree: 2^21, twice the million
	// payees a batch is sized for. A tree of this size takes 128 MiB of
	// nodes and its dump some 600 MB.
	LeavesMax = 1 << 21
	// ProofMax bounds the hashes of a proof given to Verify: a tree of
	// LeavesMax leaves has proofs of 21 hashes at most.
	ProofMax = 64
)

// Errors. The codes are stable.
var (
	ErrEmpty       = errcode.New(errcode.Unprocessable, "payout_tree_empty", "a claims tree needs at least one leaf")
	ErrLeavesMax   = errcode.New(errcode.TooLarge, "payout_tree_leaves_max", "the claims tree has more leaves than allowed")
	ErrDuplicate   = errcode.New(errcode.Unprocessable, "payout_tree_duplicate", "an address has more than one leaf")
	ErrZeroAddress = errcode.New(errcode.Unprocessable, "payout_tree_zero_address", "a leaf names the zero address, for which nobody holds a key")
	ErrZeroAmount  = errcode.New(errcode.Unprocessable, "payout_tree_zero_amount", "a leaf's cumulative amount is zero")
	ErrAddress     = errcode.New(errcode.Invalid, "payout_address_invalid", "the address is not 0x and 40 hex digits")
	ErrHash        = errcode.New(errcode.Invalid, "payout_hash_invalid", "the hash is not 0x and 64 hex digits")
	ErrNotInTree   = errcode.New(errcode.NotFound, "payout_tree_account_unknown", "the address has no leaf in the claims tree")
	// ErrDumpFormat is a dump of another format or leaf encoding than
	// standard-v1 with ["address", "uint256"].
	ErrDumpFormat = errcode.New(errcode.Invalid, "payout_dump_format", "the dump is not a standard-v1 tree of (address, uint256) leaves")
	// ErrDumpInvalid is a dump that is not well formed: bad JSON, unknown
	// fields, malformed hashes, addresses or amounts, a tree of the wrong
	// size, tree indexes out of range or used twice.
	ErrDumpInvalid = errcode.New(errcode.Invalid, "payout_dump_invalid", "the dump is malformed")
	// ErrDumpMismatch is a well-formed dump whose hashes are not those of
	// its values: a leaf that is not its value's hash, an inner node that
	// is not its children's, or leaves out of the sorted order.
	ErrDumpMismatch = errcode.New(errcode.Unprocessable, "payout_dump_mismatch", "the dump's tree does not match its values")
)

// Address is a 20-byte EVM account address.
type Address [20]byte

// Hash is a 32-byte keccak256 digest: a leaf, a node, a root.
type Hash [32]byte

// Leaf is one address's cumulative claim: the total ever made claimable to
// it in the tree's token, of which the contract pays what it has not paid
// yet.
type Leaf struct {
	Account    Address
	Cumulative money.Amount
}

// ParseAddress reads 0x and 40 hex digits. All lower case and all upper
// case are taken as they are; mixed case must be the EIP-55 checksum, since
// a mixed-case address that fails its checksum is a typo. The zero address
// parses; Build refuses it in a leaf.
//
// Errors: ErrAddress.
func ParseAddress(s string) (Address, error) {
	var a Address
	h, ok := cutHexPrefix(s)
	if !ok || len(h) != 2*len(a) {
		return a, errcode.Errorf(ErrAddress, "address %.50q is not 0x and 40 hex digits", s)
	}
	if _, err := hex.Decode(a[:], []byte(h)); err != nil {
		return Address{}, errcode.Errorf(ErrAddress, "address %q: %v", s, err)
	}
	if mixedCase(h) && a.Hex() != "0x"+h {
		return Address{}, errcode.Errorf(ErrAddress, "address %q fails its EIP-55 checksum (%s); a mixed-case address must carry it, or write it in one case", s, a.Hex())
	}
	return a, nil
}

func cutHexPrefix(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:], true
	}
	return s, false
}

func mixedCase(h string) bool {
	var lower, upper bool
	for i := 0; i < len(h); i++ {
		lower = lower || h[i] >= 'a' && h[i] <= 'f'
		upper = upper || h[i] >= 'A' && h[i] <= 'F'
	}
	return lower && upper
}

// Hex returns the EIP-55 checksummed form: 0x, then each hex letter upper
// case where the matching nibble of keccak256 of the lower-case hex is 8 or
// more.
func (a Address) Hex() string {
	var h hasher
	return string(h.appendAddress(make([]byte, 0, 42), &a))
}

// appendAddress appends a's EIP-55 form, hashing with h.
func (h *hasher) appendAddress(out []byte, a *Address) []byte {
	start := len(out) + 2
	out = append(out, "0x"...)
	out = hex.AppendEncode(out, a[:])
	digits := out[start:]
	sum := h.sum(digits)
	for i, c := range digits {
		nibble := sum[i/2] >> 4
		if i%2 == 1 {
			nibble = sum[i/2] & 0x0f
		}
		if c >= 'a' && nibble >= 8 {
			digits[i] = c - 'a' + 'A'
		}
	}
	return out
}

// String is Hex.
func (a Address) String() string { return a.Hex() }

// IsZero reports whether a is the zero address.
func (a Address) IsZero() bool { return a == Address{} }

// MarshalText writes Hex.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.Hex()), nil }

// UnmarshalText reads what ParseAddress reads.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseHash reads 0x and 64 hex digits, in any case.
//
// Errors: ErrHash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	x, ok := cutHexPrefix(s)
	if !ok || len(x) != 2*len(h) {
		return h, errcode.Errorf(ErrHash, "hash %.80q is not 0x and 64 hex digits", s)
	}
	if _, err := hex.Decode(h[:], []byte(x)); err != nil {
		return Hash{}, errcode.Errorf(ErrHash, "hash %q: %v", s, err)
	}
	return h, nil
}

// Hex returns 0x and 64 lower-case hex digits, as the library writes them.
func (h Hash) Hex() string {
	var buf [66]byte
	buf[0], buf[1] = '0', 'x'
	hex.Encode(buf[2:], h[:])
	return string(buf[:])
}

// String is Hex.
func (h Hash) String() string { return h.Hex() }

// MarshalText writes Hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.Hex()), nil }

// UnmarshalText reads what ParseHash reads.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// LeafHash is keccak256(bytes.concat(keccak256(abi.encode(account,
// cumulative)))): the ABI encoding of (address, uint256) is the address
// right-aligned in a 32-byte word, then the amount as a 32-byte big-endian
// word. Hashing twice keeps a leaf from being read as an inner node, whose
// preimage is also 64 bytes.
func LeafHash(l Leaf) Hash {
	var h hasher
	return h.leaf(l)
}

// hasher hashes with one reused keccak state and buffers, so that building
// a tree does not allocate per hash.
type hasher struct {
	k   keccakState
	buf [64]byte
	out [32]byte
}

// keccakState is x/crypto's legacy keccak with its Read, which squeezes
// the digest out without copying the state as Sum does.
type keccakState interface {
	Write([]byte) (int, error)
	Read([]byte) (int, error)
	Reset()
}

func (h *hasher) sum(in []byte) Hash {
	if h.k == nil {
		h.k = sha3.NewLegacyKeccak256().(keccakState)
	}
	h.k.Reset()
	h.k.Write(in)
	h.k.Read(h.out[:])
	return h.out
}

func (h *hasher) leaf(l Leaf) Hash {
	clear(h.buf[:12])
	copy(h.buf[12:32], l.Account[:])
	l.Cumulative.Uint256().PutUint256(h.buf[32:64])
	inner := h.sum(h.buf[:])
	// The inner digest goes through buf: a local handed to the keccak
	// interface would escape, one allocation per leaf.
	copy(h.buf[:32], inner[:])
	return h.sum(h.buf[:32])
}

// pair is the inner node over a and b: keccak256 of the smaller, then the
// larger.
func (h *hasher) pair(a, b *Hash) Hash {
	if less(b, a) {
		a, b = b, a
	}
	copy(h.buf[:32], a[:])
	copy(h.buf[32:], b[:])
	return h.sum(h.buf[:])
}

// less orders hashes as unsigned 256-bit big-endian numbers, as the library
// compares them.
func less(a, b *Hash) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
