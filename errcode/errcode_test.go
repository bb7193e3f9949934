package errcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestCode(t *testing.T) {
	sentinel := New("thing_bad", "thing is bad")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"sentinel", sentinel, "thing_bad"},
		{"errorf", Errorf(sentinel, "thing %q is bad; want good", "x"), "thing_bad"},
		{"wrapped twice", fmt.Errorf("outer: %w", Errorf(sentinel, "inner")), "thing_bad"},
		{"plain", errors.New("disk on fire"), Internal},
	}
	for _, tt := range tests {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("%s: Code(%v) = %q; want %q", tt.name, tt.err, got, tt.want)
		}
		if tt.want != Internal && !errors.Is(tt.err, sentinel) {
			t.Errorf("%s: errors.Is(%v, sentinel) = false; want true", tt.name, tt.err)
		}
	}
	if got, want := Errorf(sentinel, "detail %d", 7).Error(), "detail 7"; got != want {
		t.Errorf("Errorf message = %q; want %q", got, want)
	}
}
