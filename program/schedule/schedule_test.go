package schedule

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
)

var t0 = time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)

var writes = map[string]string{"closeUsageEpoch": "/v1/usage/epochs/{epoch}/close"}

func valid() Schedule {
	return Schedule{ID: "close", Operation: "closeUsageEpoch", Path: map[string]string{"epoch": PeriodParam}, Start: t0, Every: "24h"}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Schedule)
		code string
	}{
		{"valid", func(*Schedule) {}, ""},
		{"monthly", func(s *Schedule) { s.Every, s.Start = Monthly, t0.AddDate(0, 0, 1) }, ""},
		{"monthly on the 31st", func(s *Schedule) { s.Every = Monthly }, "schedule_invalid"},
		{"empty ID", func(s *Schedule) { s.ID = "" }, "schedule_invalid"},
		{"dot-dot ID", func(s *Schedule) { s.ID = ".." }, "schedule_invalid"},
		{"slash in ID", func(s *Schedule) { s.ID = "a/b" }, "schedule_invalid"},
		{"unknown operation", func(s *Schedule) { s.Operation = "listSchedules" }, "schedule_operation_unknown"},
		{"too often", func(s *Schedule) { s.Every = "30s" }, "schedule_invalid"},
		{"not whole seconds", func(s *Schedule) { s.Every = "1m0.5s" }, "schedule_invalid"},
		{"not a duration", func(s *Schedule) { s.Every = "weekly" }, "schedule_invalid"},
		{"no start", func(s *Schedule) { s.Start = time.Time{} }, "schedule_invalid"},
		{"body not JSON", func(s *Schedule) { s.Body = []byte("{") }, "schedule_invalid"},
		{"catch-up unknown", func(s *Schedule) { s.CatchUp = "some" }, "schedule_invalid"},
		{"empty path value", func(s *Schedule) { s.Path = map[string]string{"epoch": ""} }, "schedule_invalid"},
		{"path parameter missing", func(s *Schedule) { s.Path = nil }, "schedule_invalid"},
		{"path parameter unknown", func(s *Schedule) { s.Path = map[string]string{"epoch": "1", "n": "{period}"} }, "schedule_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.edit(&s)
			err := s.Validate(writes)
			if got := errcode.Code(err); err == nil && tt.code != "" || err != nil && got != tt.code {
				t.Errorf("Validate = %v; want code %q", err, tt.code)
			}
		})
	}
}

func TestPeriods(t *testing.T) {
	monthly := State{Schedule: Schedule{Start: time.Date(2026, 1, 28, 0, 0, 0, 0, time.UTC), Every: Monthly}}
	if got, want := monthly.End(1), time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("monthly End(1) = %v; want %v", got, want)
	}
	daily := State{Schedule: valid(), Next: 2}
	tests := []struct {
		now  time.Time
		want []uint64
	}{
		{t0.Add(71 * time.Hour), nil},         // period 2 ends at t0+72h
		{t0.Add(72 * time.Hour), []uint64{2}}, // due at its end exactly
		{t0.Add(95 * time.Hour), []uint64{2}}, // period 3 ends at t0+96h
		{t0.Add(120 * time.Hour), []uint64{2, 3, 4}},
	}
	for _, tt := range tests {
		if got := daily.Due(tt.now, 10); !equal(got, tt.want) {
			t.Errorf("Due(%v) = %v; want %v", tt.now, got, tt.want)
		}
	}
	if got := daily.Due(t0.Add(1000*time.Hour), 3); len(got) != 3 {
		t.Errorf("Due with limit 3 = %v; want 3 periods", got)
	}
	daily.Paused = true
	if got := daily.Due(t0.Add(1000*time.Hour), 3); got != nil {
		t.Errorf("paused Due = %v; want none", got)
	}
	if got := valid().PathFor(7)["epoch"]; got != "7" {
		t.Errorf("PathFor(7) = %q; want 7", got)
	}
	if got := Key("close", 0, 7); got != "schedule:close:7" {
		t.Errorf("Key = %q", got)
	}
	if got := Key("close", 2, 7); got != "schedule:close:g2:7" {
		t.Errorf("Key in life 2 = %q", got)
	}
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDigests pins each write's request digest: a change here changes what
// a retry across an upgrade means.
func TestDigests(t *testing.T) {
	s := valid()
	s.Body = []byte(`{"a":1}`)
	tests := []struct {
		name string
		hash [32]byte
		want string
	}{
		{"set", Set("k", t0, s, writes).Hash, "e2934a629c83a760bd58971cc0734c20da840de243dc23805526b40d3e34a4f5"},
		{"delete", Delete("k", t0, "close").Hash, "bac7cf297cea1c04eae3cd8f8396147a413c4facdfa8b09c122353038bc89118"},
		{"record", Record(t0, "close", 0, 3, Run{Period: 5, Outcome: Done}).Hash, "d695b35ebe0f288a44ce041c7c19be9ffe88b0126dd4cda80eaf825b837830ca"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(tt.hash[:]); got != tt.want {
			t.Errorf("%s digest = %s; want %s", tt.name, got, tt.want)
		}
	}
	// The outcome is not part of a record's digest: a second server
	// recording the same period replays the first's record.
	if Record(t0, "close", 0, 3, Run{Period: 5, Outcome: Done}).Hash != Record(t0, "close", 0, 3, Run{Period: 5, Outcome: Refused, Code: "x"}).Hash {
		t.Error("a record's digest depends on its outcome")
	}
}

func TestLastEnded(t *testing.T) {
	daily := valid()
	monthly := Schedule{Start: time.Date(2026, 1, 28, 0, 0, 0, 0, time.UTC), Every: Monthly}
	yearly := Schedule{Start: t0, Every: "8784h"}
	tests := []struct {
		name string
		s    Schedule
		now  time.Time
		want uint64
		ok   bool
	}{
		{"before the start", daily, t0.Add(-time.Hour), 0, false},
		{"in period 0", daily, t0.Add(23 * time.Hour), 0, false},
		{"at period 0's end", daily, t0.Add(24 * time.Hour), 0, true},
		{"in period 5", daily, t0.Add(125 * time.Hour), 4, true},
		{"monthly, a day short", monthly, time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC), 0, true},
		{"monthly, at the end", monthly, time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC), 1, true},
		// A clock west of UTC just after a month begins in UTC.
		{"monthly, now not in UTC", Schedule{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Every: Monthly}, time.Date(2026, 2, 1, 0, 30, 0, 0, time.UTC).In(time.FixedZone("EST", -5*3600)), 0, true},
		// 1,000 years of 366-day periods: past a Duration, no overflow.
		{"long periods, far ahead", yearly, t0.AddDate(1000, 0, 0), 996, true}, // 365,242 days: 997 periods of 366 ended,
	}
	for _, tt := range tests {
		got, ok := tt.s.LastEnded(tt.now)
		if got != tt.want && tt.ok || ok != tt.ok {
			t.Errorf("%s: LastEnded = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
