package usage

import (
	"bytes"
	"encoding/json"

	"github.com/tributary-ledger/tributary/errcode"
)

// ReportsMax bounds the reports of one batch.
const ReportsMax = 10000

// Count is a usage count: a whole number from 0 to CountMax. In JSON it is
// a plain number; a sign, a fraction, an exponent or a string is refused
// with ErrCount rather than rounded or coerced.
type Count uint64

// UnmarshalJSON reads a count, refusing anything but digits.
func (c *Count) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || len(b) > 13 {
		return errcode.Errorf(ErrCount, "count %.20s is not a whole number from 0 to %d", b, uint64(CountMax))
	}
	if b[0] == '-' {
		return errcode.Errorf(ErrCount, "count %s is negative; counts are whole numbers from 0 to %d", b, uint64(CountMax))
	}
	var v uint64
	for _, d := range b {
		if d < '0' || d > '9' {
			return errcode.Errorf(ErrCount, "count %s is not a whole number; counts are whole numbers from 0 to %d (no fractions, exponents or strings)", b, uint64(CountMax))
		}
		v = v*10 + uint64(d-'0')
	}
	if len(b) > 1 && b[0] == '0' {
		return errcode.Errorf(ErrCount, "count %s has a leading zero", b)
	}
	if v > CountMax {
		return errcode.Errorf(ErrCount, "count %d is above the limit of %d", v, uint64(CountMax))
	}
	*c = Count(v)
	return nil
}

// Report is one aggregate count: how much of a metric a participant had in
// the batch's epoch. Counts only: no user identities or payloads.
type Report struct {
	Participant string `json:"participant" schema:"UsageParticipantId"`
	Metric      string `json:"metric" schema:"UsageName"`
	// A whole JSON number from 0 to 10^12; a sign, fraction, exponent, leading
	// zero or string is 400 `usage_count_invalid`.
	Count Count `json:"count" jsonschema:"minimum=0,maximum=1000000000000"`
}

// Batch is a batch of reports for one epoch. Its idempotency key is the
// operation's: a batch sent twice counts once.
type Batch struct {
	Epoch uint64 `json:"epoch" jsonschema:"minimum=0,maximum=999999"`
	// Each participant and metric at most once.
	Reports []Report `json:"reports" jsonschema:"minItems=1,maxItems=10000"`
}

// ParseBatch reads a batch from JSON, refusing unknown fields and trailing
// data, and checks its shape.
//
// Errors: ErrReport, ErrCount, and those of Batch.Validate.
func ParseBatch(data []byte) (Batch, error) {
	var b Batch
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		if errcode.Code(err) != errcode.InternalCode {
			return Batch{}, err
		}
		return Batch{}, errcode.Errorf(ErrReport, "report batch: %v", err)
	}
	if dec.More() {
		return Batch{}, errcode.Errorf(ErrReport, "report batch has data after the JSON object")
	}
	return b, b.Validate()
}

// Validate checks a batch's shape: 1 to ReportsMax reports, valid names,
// and no participant and metric twice (a batch says each count once).
// Whether the names are registered and configured is checked against state.
//
// Errors: ErrReport, ErrLimit, ErrID, ErrCount, ErrEpochFuture.
func (b Batch) Validate() error {
	if len(b.Reports) == 0 {
		return errcode.Errorf(ErrReport, "report batch is empty; want 1 to %d reports", ReportsMax)
	}
	if len(b.Reports) > ReportsMax {
		return errcode.Errorf(ErrLimit, "report batch has %d reports; at most %d are allowed", len(b.Reports), ReportsMax)
	}
	if b.Epoch >= EpochsMax {
		return errcode.Errorf(ErrEpochFuture, "epoch %d is beyond the last countable epoch %d", b.Epoch, EpochsMax-1)
	}
	type pm struct{ p, m string }
	seen := make(map[pm]bool, len(b.Reports))
	for i, r := range b.Reports {
		if err := ValidateName("participant", r.Participant); err != nil {
			return errcode.Errorf(ErrID, "report %d: %v", i+1, err)
		}
		if err := ValidateName("metric", r.Metric); err != nil {
			return errcode.Errorf(ErrID, "report %d: %v", i+1, err)
		}
		if r.Count > CountMax {
			return errcode.Errorf(ErrCount, "report %d: count %d is above the limit of %d", i+1, r.Count, uint64(CountMax))
		}
		k := pm{r.Participant, r.Metric}
		if seen[k] {
			return errcode.Errorf(ErrReport, "report %d: %s/%s appears twice in the batch; send each count once", i+1, r.Participant, r.Metric)
		}
		seen[k] = true
	}
	return nil
}
