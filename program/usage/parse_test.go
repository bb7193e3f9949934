package usage_test

import (
	"encoding/json"
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program/usage"
)

const sampleTOML = `
currency = "USD"
cap_bp = 5000

[epoch]
length = "month"
anchor = 2026-01-01T00:00:00Z

[[metrics]]
name = "active_users"
weight_bp = 6000
clip_bp = 30000

[[metrics]]
name = "calls"
weight_bp = 4000

[pool]
kind = "dynamic"
account = "usage:revenue"
bands = [ { up_to = "100000", rate_bp = 1000 }, { rate_bp = 2000 } ]

[formula]
kind = "category_weighted"
categories = [ { name = "utility", share_bp = 6000 }, { name = "social", share_bp = 4000 } ]

[qualify]
active_users_metric = "active_users"
min_active_users = 10

[tier]
metric = "active_users"
threshold = 100
levels = [ { epochs = 3, multiplier_bp = 12000 } ]

[smoothing]
kind = "rolling"
epochs = 3
`

func TestParseConfig(t *testing.T) {
	c, err := usage.ParseConfig([]byte(sampleTOML))
	if err != nil {
		t.Fatalf("ParseConfig(sample) = %v", err)
	}
	if c.Pool.Bands[0].UpTo.Uint64() != 100000 || c.Formula.Categories[1].ShareBP != 4000 || c.Smoothing.Epochs != 3 || c.Tier.Levels[0].MultiplierBP != 12000 {
		t.Errorf("parsed %+v", c)
	}
	// The JSON form has the same field names and gives the same config.
	js, _ := json.Marshal(c)
	back, err := usage.ParseConfig(js)
	if err != nil {
		t.Fatalf("ParseConfig(JSON of sample) = %v", err)
	}
	if js2, _ := json.Marshal(back); string(js2) != string(js) {
		t.Errorf("JSON round trip:\n%s\n%s", js, js2)
	}
	tests := []struct {
		name, text, code string
	}{
		{"unknown field", `currency = "USD"` + "\nfee = 3\n", "usage_config_invalid"},
		{"not TOML", `currency = `, "usage_config_invalid"},
		{"JSON unknown field", `{"currency":"USD","x":1}`, "usage_config_invalid"},
		{"negative weight", `{"currency":"USD","metrics":[{"name":"a","weight_bp":-1}]}`, "usage_config_invalid"},
		{"weights sum", replace(sampleTOML, "weight_bp = 4000", "weight_bp = 3000"), "usage_weight_invalid"},
		{"category shares sum", replace(sampleTOML, `share_bp = 4000`, `share_bp = 3000`), "usage_category_shares_sum"},
		{"zero share", replace(sampleTOML, `share_bp = 4000`, `share_bp = 0`), "usage_weight_invalid"},
		{"unknown tier metric", replace(sampleTOML, `metric = "active_users"`, `metric = "gas"`), "usage_metric_unknown"},
		{"cap out of range", replace(sampleTOML, "cap_bp = 5000", "cap_bp = 10001"), "usage_weight_invalid"},
		{"min score unreachable", replace(sampleTOML, "[qualify]", "[qualify]\nmin_score_bp = 10001"), "usage_pool_unallocatable"},
		{"all-zero bands", replace(replace(sampleTOML, "rate_bp = 1000", "rate_bp = 0"), "rate_bp = 2000", "rate_bp = 0"), "usage_pool_unallocatable"},
		{"month anchor on the 31st", replace(sampleTOML, "2026-01-01T00", "2026-01-31T00"), "usage_config_invalid"},
		{"external pool account", replace(sampleTOML, `"usage:revenue"`, `"@revenue"`), "usage_config_invalid"},
		{"clip below the median", replace(sampleTOML, "clip_bp = 30000", "clip_bp = 5000"), "usage_weight_invalid"},
	}
	for _, tt := range tests {
		_, err := usage.ParseConfig([]byte(tt.text))
		if errcode.Code(err) != tt.code {
			t.Errorf("%s: ParseConfig error = %v (%s); want %s", tt.name, err, errcode.Code(err), tt.code)
		}
	}
}

func replace(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	panic("replace: " + old + " not found")
}

func TestParseBatch(t *testing.T) {
	b, err := usage.ParseBatch([]byte(`{"epoch":3,"reports":[{"participant":"app-1","metric":"calls","count":1200},{"participant":"app-2","metric":"calls","count":0}]}`))
	if err != nil || b.Epoch != 3 || b.Reports[0].Count != 1200 {
		t.Fatalf("ParseBatch = %+v, %v", b, err)
	}
	tests := []struct{ name, text, code string }{
		{"negative count", `{"epoch":1,"reports":[{"participant":"a","metric":"m","count":-1}]}`, "usage_count_invalid"},
		{"fractional count", `{"epoch":1,"reports":[{"participant":"a","metric":"m","count":1.5}]}`, "usage_count_invalid"},
		{"exponent count", `{"epoch":1,"reports":[{"participant":"a","metric":"m","count":1e3}]}`, "usage_count_invalid"},
		{"string count", `{"epoch":1,"reports":[{"participant":"a","metric":"m","count":"5"}]}`, "usage_count_invalid"},
		{"count too large", `{"epoch":1,"reports":[{"participant":"a","metric":"m","count":1000000000001}]}`, "usage_count_invalid"},
		{"user identities", `{"epoch":1,"reports":[{"participant":"a","metric":"m","count":1,"users":["alice"]}]}`, "usage_report_invalid"},
		{"empty", `{"epoch":1,"reports":[]}`, "usage_report_invalid"},
		{"twice", `{"epoch":1,"reports":[{"participant":"a","metric":"m","count":1},{"participant":"a","metric":"m","count":2}]}`, "usage_report_invalid"},
		{"bad participant", `{"epoch":1,"reports":[{"participant":"a b","metric":"m","count":1}]}`, "usage_id_invalid"},
		{"trailing", `{"epoch":1,"reports":[{"participant":"a","metric":"m","count":1}]} {}`, "usage_report_invalid"},
	}
	for _, tt := range tests {
		_, err := usage.ParseBatch([]byte(tt.text))
		if errcode.Code(err) != tt.code {
			t.Errorf("%s: ParseBatch error = %v (%s); want %s", tt.name, err, errcode.Code(err), tt.code)
		}
	}
}

// FuzzParseConfig: any text either parses into a configuration that
// validates and survives a JSON round trip, or is refused with a code.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(sampleTOML))
	f.Add([]byte(`{"currency":"USD","epoch":{"length":"day","anchor":"2026-01-01T00:00:00Z"},"metrics":[{"name":"a","weight_bp":10000}],"pool":{"kind":"fixed_amount","amount":"5","account":"p"},"formula":{"kind":"pro_rata"}}`))
	f.Add([]byte("currency = 1"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := usage.ParseConfig(text)
		if err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("ParseConfig(%q) failed without a code: %v", text, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed config does not validate: %v", err)
		}
		js, _ := json.Marshal(c)
		if _, err := usage.ParseConfig(js); err != nil {
			t.Fatalf("JSON of a parsed config is refused: %v\n%s", err, js)
		}
	})
}

// FuzzParseBatch: any text either parses into a valid batch or is refused
// with a code; counts never exceed the limit.
func FuzzParseBatch(f *testing.F) {
	f.Add([]byte(`{"epoch":3,"reports":[{"participant":"app-1","metric":"calls","count":1200}]}`))
	f.Add([]byte(`{"epoch":1,"reports":[{"participant":"a","metric":"m","count":-0}]}`))
	f.Add([]byte(`{"epoch":1e2}`))
	f.Fuzz(func(t *testing.T, text []byte) {
		b, err := usage.ParseBatch(text)
		if err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("ParseBatch(%q) failed without a code: %v", text, err)
			}
			return
		}
		for _, r := range b.Reports {
			if r.Count > usage.CountMax {
				t.Fatalf("count %d above the limit accepted", r.Count)
			}
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("parsed batch does not validate: %v", err)
		}
	})
}
