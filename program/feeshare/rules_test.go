package feeshare

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

var (
	deployer   = Address{0x6a, 0xc7, 0xea, 0x33, 0xf8, 0x83, 0x1e, 0xa9, 0xdc, 0xc5, 0x33, 0x93, 0xaa, 0xa8, 0x8b, 0x25, 0xa7, 0x85, 0xdb, 0xf0}
	withdrawer = Address{19: 0x77}
	other      = Address{19: 0x99}
	okFacts    = Facts{DeployerNonce: 7, ContractHasCode: true, Head: 100}
)

func contractOf(t testing.TB, nonces ...uint64) Address {
	c, err := DeriveCreate(deployer, nonces)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr(a Address) *Address { return &a }

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return errcode.Code(err)
}

// TestValidateRequest covers the seed's stateless validation lists.
func TestValidateRequest(t *testing.T) {
	c := contractOf(t, 5, 2, 1)
	base := Request{Action: ActionRegister, Contract: c, Deployer: deployer, Nonces: []uint64{5, 2, 1}}
	for _, tc := range []struct {
		name string
		edit func(*Request)
		code string
	}{
		{"valid register", func(*Request) {}, ""},
		{"contract zero", func(r *Request) { r.Contract = Address{} }, "feeshare_contract_zero"},
		{"deployer zero", func(r *Request) { r.Deployer = Address{} }, "feeshare_address_zero"},
		{"withdrawer zero", func(r *Request) { r.Withdrawer = &Address{} }, "feeshare_address_zero"},
		{"nonces empty", func(r *Request) { r.Nonces = nil }, "feeshare_nonces_empty"},
		{"21 nonces", func(r *Request) { r.Nonces = make([]uint64, 21) }, "feeshare_nonces_max"},
		{"20 nonces", func(r *Request) { r.Nonces = make([]uint64, 20) }, ""},
		{"register withdrawer = deployer is fine", func(r *Request) { r.Withdrawer = ptr(deployer) }, ""},
		{"update withdrawer = deployer", func(r *Request) { r.Action, r.Withdrawer, r.Nonces = ActionUpdate, ptr(deployer), nil }, "feeshare_withdrawer_is_deployer"},
		{"update without nonces", func(r *Request) { r.Action, r.Nonces = ActionUpdate, nil }, ""},
		{"cancel without nonces", func(r *Request) { r.Action, r.Nonces = ActionCancel, nil }, ""},
		{"cancel contract zero", func(r *Request) { r.Action, r.Contract = ActionCancel, Address{} }, "feeshare_contract_zero"},
		{"unknown action", func(r *Request) { r.Action = "withdraw" }, "feeshare_action_invalid"},
	} {
		r := base
		tc.edit(&r)
		if got := codeOf(ValidateRequest(r)); got != tc.code {
			t.Errorf("%s: ValidateRequest = %q; want %q", tc.name, got, tc.code)
		}
	}
}

// TestCheckRegister covers the seed's register conditions, in its order.
func TestCheckRegister(t *testing.T) {
	c := contractOf(t, 5, 2, 1)
	req := Request{Action: ActionRegister, Contract: c, Deployer: deployer, Nonces: []uint64{5, 2, 1}}
	existing := &Registration{Contract: c, Deployer: other}
	disabled := DefaultParams()
	disabled.EnableRevenue = false
	for _, tc := range []struct {
		name     string
		p        Params
		existing *Registration
		facts    Facts
		edit     func(*Request)
		code     string
	}{
		{"registers", DefaultParams(), nil, okFacts, func(*Request) {}, ""},
		{"module disabled", disabled, nil, okFacts, func(*Request) {}, "feeshare_disabled"},
		{"registered already", DefaultParams(), existing, okFacts, func(*Request) {}, "feeshare_already_registered"},
		{"deployer never sent a tx", DefaultParams(), nil, Facts{ContractHasCode: true}, func(*Request) {}, "feeshare_deployer_no_account"},
		{"deployer is a contract", DefaultParams(), nil, Facts{DeployerNonce: 1, DeployerHasCode: true, ContractHasCode: true}, func(*Request) {}, "feeshare_deployer_is_contract"},
		{"contract has no code", DefaultParams(), nil, Facts{DeployerNonce: 1}, func(*Request) {}, "feeshare_contract_no_code"},
		{"wrong nonce path", DefaultParams(), nil, okFacts, func(r *Request) { r.Nonces = []uint64{5, 2, 2} }, "feeshare_derivation_mismatch"},
		{"path in the wrong order", DefaultParams(), nil, okFacts, func(r *Request) { r.Nonces = []uint64{1, 2, 5} }, "feeshare_derivation_mismatch"},
		{"another deployer", DefaultParams(), nil, okFacts, func(r *Request) { r.Deployer = other }, "feeshare_derivation_mismatch"},
		{"stateless first", disabled, nil, okFacts, func(r *Request) { r.Nonces = nil }, "feeshare_nonces_empty"},
	} {
		r := req
		tc.edit(&r)
		_, err := CheckRegister(tc.p, tc.existing, r, tc.facts, ByDeployer)
		if got := codeOf(err); got != tc.code {
			t.Errorf("%s: CheckRegister = %v; want %q", tc.name, err, tc.code)
		}
	}
	// The withdrawer: kept when set, stored empty when it is the deployer.
	for _, tc := range []struct {
		w    *Address
		want *Address
	}{{nil, nil}, {ptr(deployer), nil}, {ptr(withdrawer), ptr(withdrawer)}} {
		r := req
		r.Withdrawer = tc.w
		reg, err := CheckRegister(DefaultParams(), nil, r, okFacts, ByAdmin("tok-1"))
		if err != nil {
			t.Fatal(err)
		}
		if (reg.Withdrawer == nil) != (tc.want == nil) || tc.want != nil && *reg.Withdrawer != *tc.want {
			t.Errorf("register with withdrawer %v stored %v; want %v", tc.w, reg.Withdrawer, tc.want)
		}
		if reg.By != "admin:tok-1" {
			t.Errorf("by = %q; want admin:tok-1", reg.By)
		}
	}
}

func TestCheckUpdateCancel(t *testing.T) {
	c := contractOf(t, 0)
	reg := &Registration{Contract: c, Deployer: deployer}
	regW := &Registration{Contract: c, Deployer: deployer, Withdrawer: ptr(withdrawer)}
	disabled := DefaultParams()
	disabled.EnableRevenue = false
	for _, tc := range []struct {
		name     string
		p        Params
		existing *Registration
		req      Request
		code     string
		want     *Address // the withdrawer after an update
	}{
		{"set withdrawer", DefaultParams(), reg, Request{Action: ActionUpdate, Contract: c, Deployer: deployer, Withdrawer: ptr(withdrawer)}, "", ptr(withdrawer)},
		{"clear withdrawer", DefaultParams(), regW, Request{Action: ActionUpdate, Contract: c, Deployer: deployer}, "", nil},
		{"same withdrawer", DefaultParams(), regW, Request{Action: ActionUpdate, Contract: c, Deployer: deployer, Withdrawer: ptr(withdrawer)}, "feeshare_withdrawer_unchanged", nil},
		{"clear an empty one", DefaultParams(), reg, Request{Action: ActionUpdate, Contract: c, Deployer: deployer}, "feeshare_withdrawer_unchanged", nil},
		{"withdrawer is deployer", DefaultParams(), regW, Request{Action: ActionUpdate, Contract: c, Deployer: deployer, Withdrawer: ptr(deployer)}, "feeshare_withdrawer_is_deployer", nil},
		{"disabled", disabled, reg, Request{Action: ActionUpdate, Contract: c, Deployer: deployer, Withdrawer: ptr(withdrawer)}, "feeshare_disabled", nil},
		{"not registered", DefaultParams(), nil, Request{Action: ActionUpdate, Contract: c, Deployer: deployer, Withdrawer: ptr(withdrawer)}, "feeshare_not_registered", nil},
		{"not the deployer", DefaultParams(), reg, Request{Action: ActionUpdate, Contract: c, Deployer: other, Withdrawer: ptr(withdrawer)}, "feeshare_not_deployer", nil},
	} {
		got, err := CheckUpdate(tc.p, tc.existing, tc.req, ByDeployer)
		if codeOf(err) != tc.code {
			t.Errorf("%s: CheckUpdate = %v; want %q", tc.name, err, tc.code)
			continue
		}
		if err == nil && ((got.Withdrawer == nil) != (tc.want == nil) || tc.want != nil && *got.Withdrawer != *tc.want) {
			t.Errorf("%s: withdrawer = %v; want %v", tc.name, got.Withdrawer, tc.want)
		}
	}
	for _, tc := range []struct {
		name     string
		p        Params
		existing *Registration
		d        Address
		code     string
	}{
		{"cancels", DefaultParams(), reg, deployer, ""},
		{"disabled", disabled, reg, deployer, "feeshare_disabled"},
		{"not registered", DefaultParams(), nil, deployer, "feeshare_not_registered"},
		{"not the deployer", DefaultParams(), reg, other, "feeshare_not_deployer"},
	} {
		_, err := CheckCancel(tc.p, tc.existing, Request{Action: ActionCancel, Contract: c, Deployer: tc.d})
		if codeOf(err) != tc.code {
			t.Errorf("%s: CheckCancel = %v; want %q", tc.name, err, tc.code)
		}
	}
}

func TestParseShares(t *testing.T) {
	for _, tc := range []struct {
		in   string
		bp   uint64
		code string
	}{
		{"5000", 5000, ""}, {"0", 0, ""}, {"10000", 10000, ""}, {"1", 1, ""},
		{"0.5", 5000, ""}, {"0.50000000", 5000, ""}, {"1.0", 10000, ""}, {"0.0125", 125, ""}, {"0.0001", 1, ""}, {"0.", 0, "feeshare_shares_invalid"},
		{"50%", 5000, ""}, {"12.5%", 1250, ""}, {"0.01%", 1, ""}, {"100%", 10000, ""},
		{"0.00001", 0, "feeshare_shares_invalid"}, {"0.001%", 0, "feeshare_shares_invalid"},
		{"10001", 0, "feeshare_shares_invalid"}, {"1.0001", 0, "feeshare_shares_invalid"}, {"101%", 0, "feeshare_shares_invalid"},
		{"", 0, "feeshare_shares_invalid"}, {"-1", 0, "feeshare_shares_invalid"}, {".5", 0, "feeshare_shares_invalid"},
		{"1e3", 0, "feeshare_shares_invalid"}, {"99999999999999999999999", 0, "feeshare_shares_invalid"}, {"0.5%%", 0, "feeshare_shares_invalid"},
	} {
		bp, err := ParseShares(tc.in)
		if codeOf(err) != tc.code || err == nil && bp != tc.bp {
			t.Errorf("ParseShares(%q) = %d, %v; want %d, %q", tc.in, bp, err, tc.bp, tc.code)
		}
	}
	for bp := uint64(0); bp <= TotalBP; bp++ {
		if got, err := ParseShares(FormatShares(bp)); err != nil || got != bp {
			t.Fatalf("ParseShares(FormatShares(%d) = %q) = %d, %v", bp, FormatShares(bp), got, err)
		}
	}
	if FormatShares(5000) != "0.5" || FormatShares(10000) != "1.0" || FormatShares(0) != "0.0" || FormatShares(125) != "0.0125" {
		t.Errorf("FormatShares: %s %s %s; want 0.5 1.0 0.0125", FormatShares(5000), FormatShares(10000), FormatShares(125))
	}
}

func FuzzParseShares(f *testing.F) {
	for _, s := range []string{"5000", "0.5", "50%", "1.0001", "", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bp, err := ParseShares(s)
		if err != nil {
			if errcode.Code(err) != "feeshare_shares_invalid" {
				t.Fatalf("ParseShares(%q): %v; want a typed error", s, err)
			}
			return
		}
		if bp > TotalBP {
			t.Fatalf("ParseShares(%q) = %d > %d", s, bp, TotalBP)
		}
		if again, err := ParseShares(FormatShares(bp)); err != nil || again != bp {
			t.Fatalf("round trip of %q: %d, %v", s, again, err)
		}
	})
}

func randAmount(rng *rand.Rand) money.Amount {
	var v uint256.Int
	for i := range v {
		v[i] = rng.Uint64()
	}
	v.Rsh(&v, rng.UintN(256))
	return money.FromUint256(&v)
}

// TestSplitConserves is the property: developer + validators == fee, and
// developer == floor(fee × bp / 10000), checked with math/big.
func TestSplitConserves(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 6))
	for i := 0; i < 20000; i++ {
		fee := randAmount(rng)
		bp := rng.Uint64N(TotalBP + 1)
		dev, val := Split(fee, bp)
		sum, err := dev.Add(val)
		if err != nil || sum != fee {
			t.Fatalf("Split(%s, %d) = %s + %s = %s, %v; want the fee", fee, bp, dev, val, sum, err)
		}
		want := new(big.Int).Mul(fee.Uint256().ToBig(), new(big.Int).SetUint64(bp))
		want.Div(want, big.NewInt(TotalBP))
		if dev.Uint256().ToBig().Cmp(want) != 0 {
			t.Fatalf("Split(%s, %d) developer = %s; want floor %s", fee, bp, dev, want)
		}
	}
}

// TestTxPostings: golden numbers and every case that leaves all to the
// validators.
func TestTxPostings(t *testing.T) {
	c := contractOf(t, 0)
	reg := &Registration{Contract: c, Deployer: deployer}
	regW := &Registration{Contract: c, Deployer: deployer, Withdrawer: ptr(withdrawer)}
	gwei := money.FromUint64(1_000_000_000)
	tx := Tx{Hash: Hash{1}, From: other, To: ptr(c), GasUsed: 21_001, EffectiveGasPrice: gwei, Success: true}
	ref := BlockRef{Number: 9, Hash: Hash{9}}
	disabled := DefaultParams()
	disabled.EnableRevenue = false
	third := DefaultParams()
	third.DeveloperSharesBP = 3333
	type want map[string]string
	for _, tc := range []struct {
		name string
		p    Params
		reg  *Registration
		edit func(*Tx)
		want want
	}{
		{"50% to the deployer", DefaultParams(), reg, func(*Tx) {}, want{deployer.Account(): "10500500000000", ValidatorsAccount: "10500500000000"}},
		{"50% to the withdrawer", DefaultParams(), regW, func(*Tx) {}, want{withdrawer.Account(): "10500500000000", ValidatorsAccount: "10500500000000"}},
		{"odd fee: the floor to the developer", DefaultParams(), reg, func(tx *Tx) { tx.EffectiveGasPrice = money.FromUint64(1) }, want{deployer.Account(): "10500", ValidatorsAccount: "10501"}},
		{"33.33%", third, reg, func(tx *Tx) { tx.EffectiveGasPrice = money.FromUint64(1) }, want{deployer.Account(): "6999", ValidatorsAccount: "14002"}},
		{"failed tx", DefaultParams(), reg, func(tx *Tx) { tx.Success = false }, want{ValidatorsAccount: "21001000000000"}},
		{"contract creation", DefaultParams(), reg, func(tx *Tx) { tx.To = nil }, want{ValidatorsAccount: "21001000000000"}},
		{"unregistered", DefaultParams(), nil, func(*Tx) {}, want{ValidatorsAccount: "21001000000000"}},
		{"disabled", disabled, reg, func(*Tx) {}, want{ValidatorsAccount: "21001000000000"}},
		{"zero fee", DefaultParams(), reg, func(tx *Tx) { tx.GasUsed = 0 }, want{}},
		{"one wei: all to validators", DefaultParams(), reg, func(tx *Tx) { tx.GasUsed, tx.EffectiveGasPrice = 1, money.FromUint64(1) }, want{ValidatorsAccount: "1"}},
	} {
		x := tx
		tc.edit(&x)
		ps, err := TxPostings(tc.p, Chain{Currency: "ETH"}, tc.reg, ref, money.Zero, x, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := want{}
		for _, p := range ps {
			if p.From != FeesAccount || p.Currency != "ETH" || len(p.Path) > ledger.PathMaxLen {
				t.Errorf("%s: posting %+v; want from %s in ETH", tc.name, p, FeesAccount)
			}
			got[p.To] = p.Amount.String()
		}
		if len(got) != len(tc.want) || func() bool {
			for k, v := range tc.want {
				if got[k] != v {
					return true
				}
			}
			return false
		}() {
			t.Errorf("%s: credits %v; want %v", tc.name, got, tc.want)
		}
	}
	huge := tx
	huge.EffectiveGasPrice, huge.GasUsed = money.Max, 2
	if _, err := TxPostings(DefaultParams(), Chain{Currency: "ETH"}, reg, ref, money.Zero, huge, nil); errcode.Code(err) != "overflow" && errcode.Code(err) != errcode.Code(money.ErrOverflow) {
		t.Errorf("fee overflow: %v; want %s", err, errcode.Code(money.ErrOverflow))
	}
}

// TestTxPostingsBaseFee: a dynamic-fee transaction (gas 21,019, base fee
// 1 gwei, effective price 1.500000001 gwei) on a chain that collects the
// base fee and on one that burns it, by hand:
//
//	fee    = 21,019 × 1,500,000,001 = 31,528,500,021,019
//	burned = 21,019 × 1,000,000,000 = 21,019,000,000,000
//	tip    = fee − burned           = 10,509,500,021,019
//
// collected: developer floor(fee / 2) = 15,764,250,010,509, validators
// 15,764,250,010,510. burned: developer floor(tip / 2) = 5,254,750,010,509,
// validators 5,254,750,010,510, and the burned part to BurnAccount.
func TestTxPostingsBaseFee(t *testing.T) {
	c := contractOf(t, 0)
	reg := &Registration{Contract: c, Deployer: deployer}
	tx := Tx{Hash: Hash{1}, From: other, To: ptr(c), GasUsed: 21_019, EffectiveGasPrice: money.FromUint64(1_500_000_001), Success: true}
	baseFee := money.FromUint64(1_000_000_000)
	ref := BlockRef{Number: 9, Hash: Hash{9}}
	third := DefaultParams()
	third.DeveloperSharesBP = 3333
	owes := func(debt uint64) Owed {
		return func(a string) (money.Amount, error) {
			if a == deployer.Account() {
				return money.FromUint64(debt), nil
			}
			return money.Zero, nil
		}
	}
	type want map[string]string
	for _, tc := range []struct {
		name    string
		p       Params
		mode    string
		reg     *Registration
		owed    Owed
		baseFee money.Amount
		want    want
	}{
		{"collected: the share of the whole fee", DefaultParams(), BaseFeeCollected, reg, nil, baseFee,
			want{deployer.Account(): "15764250010509", ValidatorsAccount: "15764250010510"}},
		{"unset is collected", DefaultParams(), "", reg, nil, baseFee,
			want{deployer.Account(): "15764250010509", ValidatorsAccount: "15764250010510"}},
		{"burned: the share of the priority fee", DefaultParams(), BaseFeeBurned, reg, nil, baseFee,
			want{BurnAccount: "21019000000000", deployer.Account(): "5254750010509", ValidatorsAccount: "5254750010510"}},
		{"burned, 33.33%", third, BaseFeeBurned, reg, nil, baseFee,
			want{BurnAccount: "21019000000000", deployer.Account(): "3502816357005", ValidatorsAccount: "7006683664014"}},
		{"burned, unregistered: the priority fee to the validators", DefaultParams(), BaseFeeBurned, nil, nil, baseFee,
			want{BurnAccount: "21019000000000", ValidatorsAccount: "10509500021019"}},
		{"burned, no base fee (before London)", DefaultParams(), BaseFeeBurned, reg, nil, money.Zero,
			want{deployer.Account(): "15764250010509", ValidatorsAccount: "15764250010510"}},
		{"burned, owing: repays, then the rest", DefaultParams(), BaseFeeBurned, reg, owes(1_000), baseFee,
			want{BurnAccount: "21019000000000", ReceivableAccount(deployer.Account()): "1000", deployer.Account(): "5254750009509", ValidatorsAccount: "5254750010510"}},
		{"owing more than the share: all of it repays", DefaultParams(), BaseFeeCollected, reg, owes(20_000_000_000_000), baseFee,
			want{ReceivableAccount(deployer.Account()): "15764250010509", ValidatorsAccount: "15764250010510"}},
	} {
		ps, err := TxPostings(tc.p, Chain{Currency: "ETH", BaseFee: tc.mode}, tc.reg, ref, tc.baseFee, tx, tc.owed)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := want{}
		sum := new(big.Int)
		for _, p := range ps {
			if p.From != FeesAccount || len(p.Path) > ledger.PathMaxLen {
				t.Errorf("%s: posting %+v; want from %s, a path of at most %d bytes", tc.name, p, FeesAccount, ledger.PathMaxLen)
			}
			got[p.To] = p.Amount.String()
			sum.Add(sum, p.Amount.Uint256().ToBig())
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: credits %v; want %v", tc.name, got, tc.want)
		}
		if sum.String() != "31528500021019" {
			t.Errorf("%s: postings sum to %s; want the fee 31528500021019", tc.name, sum)
		}
	}
	low := tx
	low.EffectiveGasPrice = money.FromUint64(999_999_999)
	if _, err := TxPostings(DefaultParams(), Chain{Currency: "ETH", BaseFee: BaseFeeBurned}, reg, ref, baseFee, low, nil); codeOf(err) != "feeshare_price_below_base_fee" {
		t.Errorf("price below the base fee: %v; want feeshare_price_below_base_fee", err)
	}
	if err := (Chain{Currency: "ETH", BaseFee: "vault"}).Validate(); codeOf(err) != "feeshare_base_fee_mode_invalid" {
		t.Errorf("base fee \"vault\": %v; want feeshare_base_fee_mode_invalid", err)
	}
}

func TestGenesisCanonical(t *testing.T) {
	doc := []byte(`{"params":{"enable_revenue":false,"developer_shares":"0.25","addr_derivation_cost_create":70},
	 "revenues":[{"contract_address":"0x343c43a37d37dff08ae8c4a11544c718abb4fcf8","deployer_address":"evmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawd","withdrawer_address":"0x0000000000000000000000000000000000000077"},
	 {"contract_address":"0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d","deployer_address":"0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0","withdrawer_address":"evmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawd"}]}`)
	_, regs, p, err := ParseGenesis(doc)
	if err != nil {
		t.Fatal(err)
	}
	if p != (Params{EnableRevenue: false, DeveloperSharesBP: 2500, AddrDerivationCostCreate: 70}) || len(regs) != 2 {
		t.Fatalf("ParseGenesis = %+v, %d revenues", p, len(regs))
	}
	if regs[1].Withdrawer != nil {
		t.Errorf("a withdrawer equal to the deployer is stored empty; got %v", regs[1].Withdrawer)
	}
	for name, bad := range map[string]string{
		"unknown field":  `{"params":{"enable_revenue":true,"developer_shares":"0.5","addr_derivation_cost_create":50,"x":1},"revenues":[]}`,
		"trailing data":  `{"params":{"enable_revenue":true,"developer_shares":"0.5","addr_derivation_cost_create":50},"revenues":[]} {}`,
		"bad shares":     `{"params":{"enable_revenue":true,"developer_shares":"1.5","addr_derivation_cost_create":50},"revenues":[]}`,
		"zero contract":  `{"params":{"enable_revenue":true,"developer_shares":"0.5","addr_derivation_cost_create":50},"revenues":[{"contract_address":"0x0000000000000000000000000000000000000000","deployer_address":"0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0"}]}`,
		"duplicate":      `{"params":{"enable_revenue":true,"developer_shares":"0.5","addr_derivation_cost_create":50},"revenues":[{"contract_address":"0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d","deployer_address":"0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0"},{"contract_address":"0xCD234a471b72ba2f1ccf0a70fcaba648a5eecd8d","deployer_address":"0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0"}]}`,
		"another prefix": `{"params":{"enable_revenue":true,"developer_shares":"0.5","addr_derivation_cost_create":50},"revenues":[{"contract_address":"0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d","deployer_address":"cosmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawd"}]}`,
		"not json":       `params`,
	} {
		if _, _, _, err := ParseGenesis([]byte(bad)); err == nil || errcode.Code(err) == errcode.InternalCode {
			t.Errorf("%s: ParseGenesis = %v; want a typed refusal", name, err)
		}
	}
}

func FuzzParseGenesis(f *testing.F) {
	f.Add([]byte(`{"params":{"enable_revenue":true,"developer_shares":"0.5","addr_derivation_cost_create":50},"revenues":[{"contract_address":"0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d","deployer_address":"evmos1dtr75vlcsv02nhx9xwf642ytyknctkls7frawd"}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, regs, p, err := ParseGenesis(data)
		if err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("ParseGenesis: untyped error %v", err)
			}
			return
		}
		// What parses writes canonically and parses to the same thing.
		g := Genesis{Params: GenesisParams{EnableRevenue: p.EnableRevenue, DeveloperShares: FormatShares(p.DeveloperSharesBP), AddrDerivationCostCreate: p.AddrDerivationCostCreate}}
		for _, r := range regs {
			g.Revenues = append(g.Revenues, GenesisRevenue{ContractAddress: r.Contract.Hex(), DeployerAddress: r.Deployer.Bech32(), WithdrawerAddress: withdrawerAttr(r.Withdrawer)})
		}
		out := MarshalGenesis(g)
		g2, regs2, p2, err := ParseGenesis(out)
		if err != nil || p2 != p || len(regs2) != len(regs) || !bytes.Equal(MarshalGenesis(g2), out) {
			t.Fatalf("canonical genesis does not round trip: %v\n%s", err, out)
		}
	})
}

// TestReadmeWithdrawerIsDeployer: the README says what the rules do with a
// withdrawer equal to the deployer. An update naming it is refused (Evmos'
// stateless MsgUpdateRevenue validation); a registration naming it stores
// none. The README once said an update stored it as empty (issue #18.6).
func TestReadmeWithdrawerIsDeployer(t *testing.T) {
	c := Address{2}
	if _, err := CheckUpdate(DefaultParams(), &Registration{Contract: c, Deployer: deployer}, Request{Action: ActionUpdate, Contract: c, Deployer: deployer, Withdrawer: ptr(deployer)}, ByDeployer); codeOf(err) != "feeshare_withdrawer_is_deployer" {
		t.Errorf("update to the deployer: %v; want feeshare_withdrawer_is_deployer", err)
	}
	if reg := Requested(Request{Action: ActionRegister, Contract: c, Deployer: deployer, Withdrawer: ptr(deployer), Nonces: []uint64{1}}, ByDeployer); reg.Withdrawer != nil {
		t.Errorf("registration with the deployer as withdrawer stores %v; want none", reg.Withdrawer)
	}
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(raw)), " ")
	for _, want := range []string{
		"an update naming the deployer as withdrawer is refused (`feeshare_withdrawer_is_deployer`)",
		"a registration naming the deployer as withdrawer stores none",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README does not say %q", want)
		}
	}
	if strings.Contains(readme, "or the deployer, is stored as empty") {
		t.Error("README still says an update to the deployer is stored as empty")
	}
}
