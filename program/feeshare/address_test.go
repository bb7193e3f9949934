package feeshare

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/tributary-ledger/tributary/errcode"
)

func mustAddr(t testing.TB, s string) Address {
	t.Helper()
	a, err := ParseAddress(s)
	if err != nil {
		t.Fatalf("ParseAddress(%q): %v", s, err)
	}
	return a
}

// TestDeriveCreateGolden checks the known CREATE addresses of the brief.
func TestDeriveCreateGolden(t *testing.T) {
	deployer := mustAddr(t, "0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0")
	for _, tc := range []struct {
		nonces []uint64
		want   string
	}{
		{[]uint64{0}, "0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d"},
		{[]uint64{1}, "0x343c43a37d37dff08ae8c4a11544c718abb4fcf8"},
	} {
		got, err := DeriveCreate(deployer, tc.nonces)
		if err != nil {
			t.Fatal(err)
		}
		if got.Account() != tc.want {
			t.Errorf("DeriveCreate(%s, %v) = %s; want %s", deployer.Hex(), tc.nonces, got.Account(), tc.want)
		}
	}
	// A path is the composition of its steps: [5,2,1] is 1 from 2 from 5.
	a5, _ := DeriveCreate(deployer, []uint64{5})
	a52, _ := DeriveCreate(a5, []uint64{2})
	want, _ := DeriveCreate(a52, []uint64{1})
	if got, _ := DeriveCreate(deployer, []uint64{5, 2, 1}); got != want {
		t.Errorf("DeriveCreate(d, [5 2 1]) = %s; want step by step %s", got.Hex(), want.Hex())
	}
	for _, tc := range []struct {
		n    int
		code string
	}{{0, "feeshare_nonces_empty"}, {21, "feeshare_nonces_max"}} {
		if _, err := DeriveCreate(deployer, make([]uint64, tc.n)); errcode.Code(err) != tc.code {
			t.Errorf("DeriveCreate with %d nonces: %v; want %s", tc.n, err, tc.code)
		}
	}
	if _, err := DeriveCreate(deployer, make([]uint64, 20)); err != nil {
		t.Errorf("DeriveCreate with 20 nonces: %v; want it allowed", err)
	}
}

// TestDeriveCreateMatchesGoEthereum checks every RLP length class of the
// nonce (0, one byte, 1 to 8 bytes) against go-ethereum's CreateAddress, the
// code the chain runs, over random paths. (go-ethereum is imported by this
// test only; the package itself stays pure.)
func TestDeriveCreateMatchesGoEthereum(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 2))
	for i := 0; i < 2000; i++ {
		var d Address
		for j := range d {
			d[j] = byte(rng.UintN(256))
		}
		nonces := make([]uint64, 1+rng.IntN(NoncesMax))
		for j := range nonces {
			switch rng.IntN(4) {
			case 0:
				nonces[j] = uint64(rng.IntN(3))
			case 1:
				nonces[j] = uint64(rng.IntN(300))
			default:
				nonces[j] = rng.Uint64() >> rng.UintN(64)
			}
		}
		want := common.Address(d)
		for _, n := range nonces {
			want = crypto.CreateAddress(want, n)
		}
		got, err := DeriveCreate(d, nonces)
		if err != nil {
			t.Fatal(err)
		}
		if got != Address(want) {
			t.Fatalf("DeriveCreate(%s, %v) = %s; go-ethereum says %s", d.Hex(), nonces, got.Hex(), want.Hex())
		}
		if got.Hex() != want.Hex() {
			t.Fatalf("Hex() = %s; go-ethereum's EIP-55 says %s", got.Hex(), want.Hex())
		}
	}
}

// TestEIP55 uses the test vectors of EIP-55 itself.
func TestEIP55(t *testing.T) {
	for _, want := range []string{
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
		"0x52908400098527886E0F7030069857D2E4169EE7",
		"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
		"0xde709f2102306220921060314715629080e2fb77",
		"0x27b1fdb04752bbc536007a920d24acb045561c26",
	} {
		a := mustAddr(t, strings.ToLower(want))
		if got := a.Hex(); got != want {
			t.Errorf("Hex(%s) = %s; want %s", strings.ToLower(want), got, want)
		}
	}
}

// TestBech32Vectors uses BIP-173's valid and invalid bech32 strings.
func TestBech32Vectors(t *testing.T) {
	for _, s := range []string{
		"A12UEL5L",
		"a12uel5l",
		"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"11" + strings.Repeat("q", 82) + "c8247j",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"?1ezyfcl",
	} {
		hrp, data, err := bech32Decode(s)
		if err != nil {
			t.Errorf("bech32Decode(%q): %v; want valid", s, err)
			continue
		}
		if got := bech32Encode(hrp, data); got != strings.ToLower(s) {
			t.Errorf("bech32Encode(bech32Decode(%q)) = %q", s, got)
		}
	}
	for name, s := range map[string]string{
		"HRP character 0x20":     "\x201nwldj5",
		"HRP character 0x7f":     "\x7f1axkwrx",
		"HRP character 0x80":     "\x801eym55h",
		"longer than 90":         "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
		"no separator":           "pzry9x0s0muk",
		"empty HRP":              "1pzry9x0s0muk",
		"invalid data character": "x1b4n0q5v",
		"checksum too short":     "li1dgmt3",
		"invalid checksum char":  "de1lg7wt\xff",
		"checksum of uppercase":  "A1G7SGD8",
		"empty HRP, short":       "10a06t8",
		"empty HRP, short again": "1qzzfhee",
		"mixed case":             "evmos1Dtr75vlcsv02nhx9xwf642ytyknctkls7frawd",
		"one character wrong":    "evmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawe",
	} {
		if _, _, err := bech32Decode(s); errcode.Code(err) != "feeshare_bech32_invalid" {
			t.Errorf("%s: bech32Decode(%q) = %v; want feeshare_bech32_invalid", name, s, err)
		}
	}
}

func TestParseAddress(t *testing.T) {
	hexForm := "0x6AC7EA33F8831EA9dcC53393aAA88B25A785DBF0"
	bech := "evmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawd"
	want := mustAddr(t, strings.ToLower(hexForm))
	for _, s := range []string{hexForm, strings.ToLower(hexForm), "0X" + strings.ToUpper(hexForm[2:]), bech, strings.ToUpper(bech)} {
		got, err := ParseAddress(s)
		if err != nil || got != want {
			t.Errorf("ParseAddress(%q) = %s, %v; want %s", s, got.Hex(), err, want.Hex())
		}
	}
	if got := want.Bech32(); got != bech {
		t.Errorf("Bech32() = %s; want %s", got, bech)
	}
	// Another prefix with a valid checksum: the same bytes as cosmos1….
	data, _ := convertBits(want[:], 8, 5, true)
	cosmos := bech32Encode("cosmos", data)
	for s, code := range map[string]string{
		"":   "feeshare_address_invalid",
		"0x": "feeshare_address_invalid",
		"0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf":   "feeshare_address_invalid",
		"0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf00": "feeshare_address_invalid",
		"0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbfg":  "feeshare_address_invalid",
		"6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0":    "feeshare_address_invalid",
		cosmos: "feeshare_bech32_prefix",
		"evmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawe": "feeshare_bech32_invalid",
		bech32Encode("evmos", data[:31]):               "feeshare_bech32_invalid", // 19.x bytes
		bech32Encode("evmos", append(data, 0)):         "feeshare_bech32_invalid",
	} {
		if _, err := ParseAddress(s); errcode.Code(err) != code {
			t.Errorf("ParseAddress(%q) = %v; want %s", s, err, code)
		}
	}
}

// TestAddressRoundTrips: hex and bech32 name the same 20 bytes, both ways.
func TestAddressRoundTrips(t *testing.T) {
	// The example of Evmos' address conversion documentation.
	if a := mustAddr(t, "evmos10jmp6sgh4cc6zt3e8gw05wavvejgr5pwjnpcky"); a.Hex() != "0x7cB61D4117AE31a12E393a1Cfa3BaC666481D02E" {
		t.Errorf("evmos10jmp6… = %s; want 0x7cB61D4117AE31a12E393a1Cfa3BaC666481D02E", a.Hex())
	}
	rng := rand.New(rand.NewPCG(1, 73))
	for i := 0; i < 1000; i++ {
		var a Address
		for j := range a {
			a[j] = byte(rng.UintN(256))
		}
		for _, s := range []string{a.Hex(), a.Bech32(), a.Account()} {
			if got, err := ParseAddress(s); err != nil || got != a {
				t.Fatalf("ParseAddress(%q) = %s, %v; want %s", s, got.Hex(), err, a.Hex())
			}
		}
		if !strings.HasPrefix(a.Bech32(), "evmos1") || len(a.Bech32()) != 44 {
			t.Fatalf("Bech32() = %q; want evmos1 and 38 more characters", a.Bech32())
		}
	}
}

func TestParseNonces(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		code string
	}{
		{"5,2,1", "5,2,1", ""},
		{" 5, 2 ,1 ", "5,2,1", ""},
		{"0", "0", ""},
		{"18446744073709551615", "18446744073709551615", ""},
		{strings.Repeat("1,", 19) + "1", strings.Repeat("1,", 19) + "1", ""},
		{strings.Repeat("1,", 20) + "1", "", "feeshare_nonces_max"},
		{"", "", "feeshare_nonces_empty"},
		{"  ", "", "feeshare_nonces_empty"},
		{"5,,1", "", "feeshare_nonce_invalid"},
		{"-1", "", "feeshare_nonce_invalid"},
		{"+1", "", "feeshare_nonce_invalid"},
		{"0x10", "", "feeshare_nonce_invalid"},
		{"18446744073709551616", "", "feeshare_nonce_invalid"},
		{strings.Repeat("9", 500), "", "feeshare_nonces_max"},
	} {
		got, err := ParseNonces(tc.in)
		if errcode.Code(err) != tc.code && !(tc.code == "" && err == nil) {
			t.Errorf("ParseNonces(%q) error = %v; want %q", tc.in, err, tc.code)
			continue
		}
		if tc.code == "" && FormatNonces(got) != tc.want {
			t.Errorf("ParseNonces(%q) = %v; want %s", tc.in, got, tc.want)
		}
	}
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0", "evmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawd", "", "0x", "evmos1", "a12uel5l"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("ParseAddress(%q): untyped error %v", s, err)
			}
			return
		}
		// Whatever parses prints in both forms that parse back to it.
		for _, f := range []string{a.Hex(), a.Bech32()} {
			if b, err := ParseAddress(f); err != nil || b != a {
				t.Fatalf("ParseAddress(%q) = %s; its form %q reads %s, %v", s, a.Hex(), f, b.Hex(), err)
			}
		}
	})
}

func FuzzBech32(f *testing.F) {
	for _, s := range []string{"a12uel5l", "?1ezyfcl", "evmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawd", "1qzzfhee"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hrp, data, err := bech32Decode(s)
		if err != nil {
			if errcode.Code(err) != "feeshare_bech32_invalid" {
				t.Fatalf("bech32Decode(%q): %v; want a typed error", s, err)
			}
			return
		}
		if got := bech32Encode(hrp, data); got != strings.ToLower(s) {
			t.Fatalf("bech32Encode(bech32Decode(%q)) = %q", s, got)
		}
	})
}

func FuzzParseNonces(f *testing.F) {
	for _, s := range []string{"5,2,1", "0", "", ",", "18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ns, err := ParseNonces(s)
		if err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("ParseNonces(%q): untyped error %v", s, err)
			}
			return
		}
		if len(ns) == 0 || len(ns) > NoncesMax {
			t.Fatalf("ParseNonces(%q) = %d nonces", s, len(ns))
		}
		again, err := ParseNonces(FormatNonces(ns))
		if err != nil || FormatNonces(again) != FormatNonces(ns) {
			t.Fatalf("round trip of %q: %v, %v", s, again, err)
		}
	})
}
