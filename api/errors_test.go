package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/program/usage"
)

// TestUsageStatuses pins the statuses whose choice depends on where an
// error came from rather than on its code alone.
func TestUsageStatuses(t *testing.T) {
	unknown := errcode.Errorf(usage.ErrParticipant, "participant %q is not registered", "nope")
	for _, tc := range []struct {
		what string
		err  error
		want int
		code string // a status changes where the error came from; its code never does
	}{
		{"an unknown participant named in a report's body", unknown, http.StatusUnprocessableEntity, "usage_participant_unknown"},
		{"an unknown participant named by the URL", program.InPath(unknown, usage.ErrParticipant), http.StatusNotFound, "usage_participant_unknown"},
		{"the same, wrapped again", fmt.Errorf("reading: %w", program.InPath(unknown, usage.ErrParticipant)), http.StatusNotFound, "usage_participant_unknown"},
		{"inPath leaves other errors alone", program.InPath(errcode.Errorf(usage.ErrOwner, "not yours"), usage.ErrParticipant), http.StatusForbidden, "usage_owner_mismatch"},
		{"an open epoch when closing", errcode.Errorf(usage.ErrEpochOpen, "not yet"), http.StatusConflict, "usage_epoch_open"},
		{"an open epoch's statement", program.InPath(errcode.Errorf(usage.ErrEpochOpen, "not yet"), usage.ErrEpochOpen), http.StatusNotFound, "usage_epoch_open"},
		{"stored inputs that no longer match their digest", errcode.Errorf(usage.ErrDigest, "changed"), http.StatusInternalServerError, "usage_statement_mismatch"},
	} {
		if got := status(tc.err); got != tc.want {
			t.Errorf("%s: status %d; want %d", tc.what, got, tc.want)
		}
		if got := errcode.Code(tc.err); got != tc.code {
			t.Errorf("%s: code %q; want %q", tc.what, got, tc.code)
		}
	}
}
