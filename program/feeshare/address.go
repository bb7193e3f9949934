package feeshare

import (
	"encoding/hex"
	"strconv"
	"strings"

	"golang.org/x/crypto/sha3"

	"github.com/tributary-ledger/tributary/errcode"
)

// Bech32Prefix is the human-readable part of Evmos account addresses.
const Bech32Prefix = "evmos"

// Limits.
const (
	// NoncesMax bounds a CREATE derivation path, as the seed does: each step
	// costs gas, and twenty factories deep is already absurd.
	NoncesMax = 20
	// bech32Max is BIP-173's longest string.
	bech32Max = 90
	// noncesTextMax bounds the text of a nonce list ("5,2,1"): twenty
	// uint64s with separators.
	noncesTextMax = NoncesMax * 21
)

// Address and nonce errors.
var (
	ErrAddress      = errcode.New(errcode.Invalid, "feeshare_address_invalid", "address is not 0x and 40 hex digits, nor an evmos1… bech32 address")
	ErrBech32       = errcode.New(errcode.Invalid, "feeshare_bech32_invalid", "bech32 address is malformed")
	ErrBech32Prefix = errcode.New(errcode.Invalid, "feeshare_bech32_prefix", "bech32 address has another prefix than evmos")
	ErrNoncesEmpty  = errcode.New(errcode.Unprocessable, "feeshare_nonces_empty", "the derivation path needs at least one nonce")
	ErrNoncesMax    = errcode.New(errcode.Unprocessable, "feeshare_nonces_max", "the derivation path has more than 20 nonces")
	ErrNonce        = errcode.New(errcode.Invalid, "feeshare_nonce_invalid", "nonce is not an unsigned integer")
)

// IsZero reports whether a is the zero address, which nobody holds a key
// for: money sent there is lost.
func (a Address) IsZero() bool { return a == Address{} }

// ParseAddress reads an address written as 0x and 40 hex digits (any case;
// a mixed-case checksum is not enforced, as Evmos' hex parsing does not) or
// as BIP-173 bech32 with the evmos prefix. The zero address parses; callers
// that must refuse it check IsZero, so that the refusal names the field.
//
// Errors: ErrAddress, ErrBech32, ErrBech32Prefix.
func ParseAddress(s string) (Address, error) {
	var a Address
	if h, ok := strings.CutPrefix(s, "0x"); ok || strings.HasPrefix(s, "0X") {
		if !ok {
			h = s[2:]
		}
		if len(h) != 40 {
			return a, errcode.Errorf(ErrAddress, "hex address %.50q has %d digits after 0x; want 40", s, len(h))
		}
		if _, err := hex.Decode(a[:], []byte(h)); err != nil {
			return Address{}, errcode.Errorf(ErrAddress, "hex address %q: %v", s, err)
		}
		return a, nil
	}
	if len(s) == 40 && strings.Trim(s, "0123456789abcdefABCDEF") == "" {
		return a, errcode.Errorf(ErrAddress, "address %q lacks the 0x prefix", s)
	}
	if strings.Contains(s, "1") && len(s) >= 8 {
		hrp, data, err := bech32Decode(s)
		if err != nil {
			return a, err
		}
		if hrp != Bech32Prefix {
			return a, errcode.Errorf(ErrBech32Prefix, "address %q has prefix %q; want %q", s, hrp, Bech32Prefix)
		}
		b, err := convertBits(data, 5, 8, false)
		if err != nil {
			return a, errcode.Errorf(ErrBech32, "address %q: %v", s, err)
		}
		if len(b) != len(a) {
			return a, errcode.Errorf(ErrBech32, "address %q holds %d bytes; want 20", s, len(b))
		}
		copy(a[:], b)
		return a, nil
	}
	return a, errcode.Errorf(ErrAddress, "address %.50q is neither 0x and 40 hex digits nor bech32 %s1…", s, Bech32Prefix)
}

// Hex returns the EIP-55 mixed-case checksummed form, 0x….
func (a Address) Hex() string {
	lower := hex.EncodeToString(a[:])
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(lower))
	sum := h.Sum(nil)
	out := []byte("0x" + lower)
	for i := 0; i < 40; i++ {
		c := out[i+2]
		nibble := sum[i/2] >> 4
		if i%2 == 1 {
			nibble = sum[i/2] & 0x0f
		}
		if c >= 'a' && nibble >= 8 {
			out[i+2] = c - 'a' + 'A'
		}
	}
	return string(out)
}

// Account returns the ledger account of the address: 0x and lower-case hex,
// one spelling per address so that a developer has one balance.
func (a Address) Account() string { return "0x" + hex.EncodeToString(a[:]) }

// String is the checksummed hex form.
func (a Address) String() string { return a.Hex() }

// Bech32 returns the evmos1… form of the same 20 bytes.
func (a Address) Bech32() string {
	data, err := convertBits(a[:], 8, 5, true)
	if err != nil {
		panic(err) // 8→5 bits with padding cannot fail
	}
	return bech32Encode(Bech32Prefix, data)
}

// MarshalText writes the checksummed hex form, so that state and JSON
// read as addresses, not as arrays of numbers.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.Hex()), nil }

// UnmarshalText reads either form.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Hex returns 0x and 64 lower-case hex digits.
func (h Hash) Hex() string { return "0x" + hex.EncodeToString(h[:]) }

// String is Hex.
func (h Hash) String() string { return h.Hex() }

// MarshalText writes Hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.Hex()), nil }

// UnmarshalText reads 0x and 64 hex digits.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ErrHash refuses a malformed hash.
var ErrHash = errcode.New(errcode.Invalid, "feeshare_hash_invalid", "hash is not 0x and 64 hex digits")

// ParseHash reads 0x and 64 hex digits.
//
// Errors: ErrHash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	x, ok := strings.CutPrefix(s, "0x")
	if !ok || len(x) != 64 {
		return h, errcode.Errorf(ErrHash, "hash %.80q: want 0x and 64 hex digits", s)
	}
	if _, err := hex.Decode(h[:], []byte(x)); err != nil {
		return Hash{}, errcode.Errorf(ErrHash, "hash %q: %v", s, err)
	}
	return h, nil
}

// DeriveCreate follows a CREATE path: deployer creates the first contract
// with nonces[0], that contract creates the next with nonces[1], and so on;
// it returns the last address. Each step is keccak256(rlp([sender,
// nonce]))[12:], as go-ethereum's crypto.CreateAddress.
//
// Errors: ErrNoncesEmpty, ErrNoncesMax.
func DeriveCreate(deployer Address, nonces []uint64) (Address, error) {
	if len(nonces) == 0 {
		return Address{}, errcode.Errorf(ErrNoncesEmpty, "nonces are empty; want the CREATE nonces from the deployer to the contract, 1 to %d of them", NoncesMax)
	}
	if len(nonces) > NoncesMax {
		return Address{}, errcode.Errorf(ErrNoncesMax, "%d nonces given; at most %d derivation steps are allowed", len(nonces), NoncesMax)
	}
	addr := deployer
	for _, n := range nonces {
		addr = createAddress(addr, n)
	}
	return addr, nil
}

// createAddress is one CREATE step. The RLP of [20-byte string, uint] is
// at most 1+21+9 bytes, so the list header is always the short form.
func createAddress(sender Address, nonce uint64) Address {
	var buf [32]byte
	payload := buf[1:1]
	payload = append(payload, 0x80+20)
	payload = append(payload, sender[:]...)
	switch {
	case nonce == 0:
		payload = append(payload, 0x80) // the empty string: RLP's zero
	case nonce < 0x80:
		payload = append(payload, byte(nonce))
	default:
		var be [8]byte
		n := 0
		for v := nonce; v > 0; v >>= 8 {
			n++
		}
		for i := 0; i < n; i++ {
			be[i] = byte(nonce >> (8 * (n - 1 - i)))
		}
		payload = append(payload, 0x80+byte(n))
		payload = append(payload, be[:n]...)
	}
	buf[0] = 0xc0 + byte(len(payload))
	h := sha3.NewLegacyKeccak256()
	h.Write(buf[:1+len(payload)])
	var a Address
	copy(a[:], h.Sum(nil)[12:])
	return a
}

// ParseNonces reads a nonce list written as decimal numbers separated by
// commas ("5,2,1"), 1 to NoncesMax of them.
//
// Errors: ErrNoncesEmpty, ErrNoncesMax, ErrNonce.
func ParseNonces(s string) ([]uint64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errcode.Errorf(ErrNoncesEmpty, "nonces are empty; want e.g. 5,2,1")
	}
	if len(s) > noncesTextMax {
		return nil, errcode.Errorf(ErrNoncesMax, "nonce list is %d bytes; at most %d nonces are allowed", len(s), NoncesMax)
	}
	parts := strings.Split(s, ",")
	if len(parts) > NoncesMax {
		return nil, errcode.Errorf(ErrNoncesMax, "%d nonces given; at most %d are allowed", len(parts), NoncesMax)
	}
	out := make([]uint64, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return nil, errcode.Errorf(ErrNonce, "nonce %d is %q; want a decimal unsigned integer", i+1, p)
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return nil, errcode.Errorf(ErrNonce, "nonce %d is %q; want at most %d", i+1, p, uint64(1<<64-1))
		}
		out[i] = n
	}
	return out, nil
}

// FormatNonces writes nonces as ParseNonces reads them.
func FormatNonces(ns []uint64) string {
	var b strings.Builder
	for i, n := range ns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(n, 10))
	}
	return b.String()
}

// BIP-173 bech32.

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

var bech32Gen = [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}

func bech32Polymod(values []byte) uint32 {
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>uint(i))&1 == 1 {
				chk ^= bech32Gen[i]
			}
		}
	}
	return chk
}

func hrpExpand(hrp string) []byte {
	out := make([]byte, 0, 2*len(hrp)+1)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

// bech32Encode writes hrp, "1", data and the checksum; hrp is lower case.
func bech32Encode(hrp string, data []byte) string {
	values := append(hrpExpand(hrp), data...)
	values = append(values, 0, 0, 0, 0, 0, 0)
	mod := bech32Polymod(values) ^ 1
	var b strings.Builder
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, d := range data {
		b.WriteByte(bech32Charset[d])
	}
	for i := 0; i < 6; i++ {
		b.WriteByte(bech32Charset[(mod>>uint(5*(5-i)))&31])
	}
	return b.String()
}

// bech32Decode checks a BIP-173 string and returns its lower-case
// human-readable part and its 5-bit data without the checksum.
//
// Errors: ErrBech32.
func bech32Decode(s string) (string, []byte, error) {
	if len(s) > bech32Max {
		return "", nil, errcode.Errorf(ErrBech32, "bech32 string is %d characters; at most %d are allowed", len(s), bech32Max)
	}
	hasLower, hasUpper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 {
			return "", nil, errcode.Errorf(ErrBech32, "bech32 string %q has byte 0x%02x at %d; want printable ASCII", s, c, i)
		}
		hasLower = hasLower || c >= 'a' && c <= 'z'
		hasUpper = hasUpper || c >= 'A' && c <= 'Z'
	}
	if hasLower && hasUpper {
		return "", nil, errcode.Errorf(ErrBech32, "bech32 string %q mixes upper and lower case", s)
	}
	s = strings.ToLower(s)
	sep := strings.LastIndexByte(s, '1')
	if sep < 1 || sep+7 > len(s) {
		return "", nil, errcode.Errorf(ErrBech32, "bech32 string %q: want a prefix, the separator 1 and at least 6 checksum characters", s)
	}
	hrp := s[:sep]
	data := make([]byte, 0, len(s)-sep-1)
	for i := sep + 1; i < len(s); i++ {
		d := strings.IndexByte(bech32Charset, s[i])
		if d < 0 {
			return "", nil, errcode.Errorf(ErrBech32, "bech32 string %q has %q at %d, outside the bech32 alphabet", s, s[i], i)
		}
		data = append(data, byte(d))
	}
	if bech32Polymod(append(hrpExpand(hrp), data...)) != 1 {
		return "", nil, errcode.Errorf(ErrBech32, "bech32 string %q has a wrong checksum (a typo?)", s)
	}
	return hrp, data[:len(data)-6], nil
}

// convertBits regroups bits: 8→5 for encoding (pad true), 5→8 for decoding
// (pad false: leftover bits must be fewer than from and zero).
func convertBits(data []byte, from, to uint, pad bool) ([]byte, error) {
	acc, bits := uint32(0), uint(0)
	maxv := uint32(1)<<to - 1
	out := make([]byte, 0, len(data)*int(from)/int(to)+1)
	for _, v := range data {
		if uint32(v)>>from != 0 {
			return nil, errcode.Errorf(ErrBech32, "value %d does not fit in %d bits", v, from)
		}
		acc = acc<<from | uint32(v)
		bits += from
		for bits >= to {
			bits -= to
			out = append(out, byte(acc>>bits&maxv))
		}
	}
	if pad {
		if bits > 0 {
			out = append(out, byte(acc<<(to-bits)&maxv))
		}
	} else if bits >= from || acc<<(to-bits)&maxv != 0 {
		return nil, errcode.Errorf(ErrBech32, "data has %d leftover bits that are not zero padding", bits)
	}
	return out, nil
}
