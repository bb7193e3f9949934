package split

import (
	"strings"
	"testing"
)

func TestFormatShare(t *testing.T) {
	tests := []struct {
		unit       Unit
		share, sum uint64
		want       string
	}{
		{BasisPoints, 1500, 10000, "15%"},
		{BasisPoints, 1550, 10000, "15.5%"},
		{BasisPoints, 1505, 10000, "15.05%"},
		{BasisPoints, 1, 10000, "0.01%"},
		{BasisPoints, 10, 10000, "0.1%"},
		{BasisPoints, 99, 10000, "0.99%"},
		{BasisPoints, 10000, 10000, "100%"},
		{BasisPoints, 5000, 0, "50%"}, // sum is ignored for basis points
		{BasisPoints, 0, 10000, "0%"},
		{Weights, 3, 10, "3/10"},
		{Weights, 2, 4, "2/4"}, // unreduced, as configured
		{Weights, 1<<64 - 1, 1<<64 - 1, "18446744073709551615/18446744073709551615"},
		{Unit(9), 1, 2, "1/2"},
	}
	for _, tt := range tests {
		if got := FormatShare(tt.unit, tt.share, tt.sum); got != tt.want {
			t.Errorf("FormatShare(%v, %d, %d) = %q; want %q", tt.unit, tt.share, tt.sum, got, tt.want)
		}
	}
}

func acct(name string, share uint64) Receiver { return Receiver{Account: name, Share: share} }
func nest(id string, share uint64) Receiver   { return Receiver{Split: id, Share: share} }

func TestValidate(t *testing.T) {
	many := func(n int) []Receiver {
		rs := make([]Receiver, n)
		for i := range rs {
			rs[i] = acct("payee-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)), 1)
		}
		return rs
	}
	tests := []struct {
		name     string
		split    Split
		lim      Limits
		wantCode string
		wantMsg  string // a substring the message must hold
	}{
		{"basis points", Split{ID: "s", Unit: BasisPoints, Receivers: []Receiver{acct("a", 5000), acct("b", 1500), nest("band", 3500)}}, Limits{}, "", ""},
		{"weights", Split{ID: "s.1:x_y-z", Unit: Weights, Receivers: []Receiver{acct("a", 1), acct("b", 1<<64-2)}}, Limits{}, "", ""},
		{"account and split share a name", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("x", 1), nest("x", 1)}}, Limits{}, "", ""},
		{"receivers at the limit", Split{ID: "s", Unit: Weights, Receivers: many(3)}, Limits{ReceiversMax: 3}, "", ""},
		{"checksummed address", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("0x00000000000000000000000000000000000000a1", 1)}}, Limits{}, "", ""},

		{"id empty", Split{Unit: Weights, Receivers: []Receiver{acct("a", 1)}}, Limits{}, "split_id_invalid", "1 to 64 bytes"},
		{"id too long", Split{ID: strings.Repeat("a", 65), Unit: Weights, Receivers: []Receiver{acct("a", 1)}}, Limits{}, "split_id_invalid", "1 to 64 bytes"},
		{"id bad byte", Split{ID: "a/b", Unit: Weights, Receivers: []Receiver{acct("a", 1)}}, Limits{}, "split_id_invalid", "letters, digits"},
		{"id space", Split{ID: "a b", Unit: Weights, Receivers: []Receiver{acct("a", 1)}}, Limits{}, "split_id_invalid", ""},
		{"unit zero", Split{ID: "s", Receivers: []Receiver{acct("a", 1)}}, Limits{}, "split_unit_invalid", "want 1 (basis points) or 2 (weights)"},
		{"unit three", Split{ID: "s", Unit: 3, Receivers: []Receiver{acct("a", 1)}}, Limits{}, "split_unit_invalid", ""},
		{"empty", Split{ID: "s", Unit: Weights}, Limits{}, "split_empty", "at least one"},
		{"receivers max", Split{ID: "s", Unit: Weights, Receivers: many(4)}, Limits{ReceiversMax: 3}, "split_receivers_max", "at most 3"},
		{"receivers max default", Split{ID: "s", Unit: Weights, Receivers: many(1001)}, Limits{}, "split_receivers_max", "at most 1000"},
		{"neither", Split{ID: "s", Unit: Weights, Receivers: []Receiver{{Share: 1}}}, Limits{}, "split_receiver_invalid", "set exactly one"},
		{"both", Split{ID: "s", Unit: Weights, Receivers: []Receiver{{Account: "a", Split: "b", Share: 1}}}, Limits{}, "split_receiver_invalid", "set exactly one"},
		{"bad account", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("a b", 1)}}, Limits{}, "split_receiver_invalid", "receiver 0"},
		{"account too long", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct(strings.Repeat("a", 129), 1)}}, Limits{}, "split_receiver_invalid", ""},
		{"external account", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("a", 1), acct("@world", 1)}}, Limits{}, "split_receiver_invalid", "receiver 1 names external account"},
		{"zero address", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("0x0000000000000000000000000000000000000000", 1)}}, Limits{}, "split_receiver_invalid", "zero address"},
		{"zero address upper", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("0X0000000000000000000000000000000000000000", 1)}}, Limits{}, "split_receiver_invalid", "zero address"},
		{"bad nested id", Split{ID: "s", Unit: Weights, Receivers: []Receiver{nest("a/b", 1)}}, Limits{}, "split_receiver_invalid", "names split"},
		{"share zero", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("a", 1), acct("b", 0)}}, Limits{}, "split_share_zero", "at least 1"},
		{"share zero bp", Split{ID: "s", Unit: BasisPoints, Receivers: []Receiver{acct("a", 10000), acct("b", 0)}}, Limits{}, "split_share_zero", ""},
		{"duplicate account", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("a", 1), acct("b", 1), acct("a", 2)}}, Limits{}, "split_receiver_duplicate", "receivers 0 and 2 both name account \"a\""},
		{"duplicate split", Split{ID: "s", Unit: Weights, Receivers: []Receiver{nest("band", 1), nest("band", 2)}}, Limits{}, "split_receiver_duplicate", "nested split \"band\""},
		{"bp under", Split{ID: "s", Unit: BasisPoints, Receivers: []Receiver{acct("a", 5000), acct("b", 4950)}}, Limits{}, "split_shares_sum", "sum to 9950 (99.5%); they must sum to exactly 10000"},
		{"bp over", Split{ID: "s", Unit: BasisPoints, Receivers: []Receiver{acct("a", 5000), acct("b", 5001)}}, Limits{}, "split_shares_sum", "exactly 10000"},
		{"bp overflow", Split{ID: "s", Unit: BasisPoints, Receivers: []Receiver{acct("a", 1<<63), acct("b", 1<<63)}}, Limits{}, "split_shares_sum", "exactly 10000"},
		{"weights overflow", Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("a", 1<<63), acct("b", 1<<63)}}, Limits{}, "split_weights_overflow", "2^64-1"},
	}
	for _, tt := range tests {
		err := tt.split.Validate(tt.lim)
		if got := errorCode(err); got != tt.wantCode {
			t.Errorf("%s: Validate() error code = %q (%v); want %q", tt.name, got, err, tt.wantCode)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: Validate() error = %q; want it to contain %q", tt.name, err, tt.wantMsg)
		}
	}
}
