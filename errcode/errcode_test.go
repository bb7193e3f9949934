package errcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestCode(t *testing.T) {
	sentinel := Remote(Unprocessable, "thing_bad", "thing is bad")
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantKind Kind
	}{
		{"sentinel", sentinel, "thing_bad", Unprocessable},
		{"errorf", Errorf(sentinel, "thing %q is bad; want good", "x"), "thing_bad", Unprocessable},
		{"wrapped twice", fmt.Errorf("outer: %w", Errorf(sentinel, "inner")), "thing_bad", Unprocessable},
		{"rekinded", WithKind(Errorf(sentinel, "the URL names it"), NotFound), "thing_bad", NotFound},
		{"rekinded then wrapped", fmt.Errorf("outer: %w", WithKind(sentinel, NotFound)), "thing_bad", NotFound},
		{"plain", errors.New("disk on fire"), InternalCode, Internal},
	}
	for _, tt := range tests {
		if got := Code(tt.err); got != tt.wantCode {
			t.Errorf("%s: Code(%v) = %q; want %q", tt.name, tt.err, got, tt.wantCode)
		}
		if got := KindOf(tt.err); got != tt.wantKind {
			t.Errorf("%s: KindOf(%v) = %s; want %s", tt.name, tt.err, got, tt.wantKind)
		}
		if tt.wantCode != InternalCode && !errors.Is(tt.err, sentinel) {
			t.Errorf("%s: errors.Is(%v, sentinel) = false; want true", tt.name, tt.err)
		}
	}
	if got, want := Errorf(sentinel, "detail %d", 7).Error(), "detail 7"; got != want {
		t.Errorf("Errorf message = %q; want %q", got, want)
	}
	if WithKind(nil, NotFound) != nil {
		t.Error("WithKind(nil) is not nil")
	}
}

func TestRegistry(t *testing.T) {
	before := len(All())
	a := New(Conflict, "test_registry_twice", "first")
	b := New(Conflict, "test_registry_twice", "second, same kind")
	all := All()
	if len(all) != before+2 {
		t.Fatalf("All() has %d codes after two declarations; want %d", len(all), before+2)
	}
	found := 0
	for i, e := range all {
		if e == a || e == b {
			found++
		}
		if i > 0 && all[i-1].Code() > e.Code() {
			t.Errorf("All() is not sorted: %q before %q", all[i-1].Code(), e.Code())
		}
	}
	if found != 2 {
		t.Errorf("All() holds %d of the two declarations", found)
	}
	if Remote(Invalid, "test_remote", "x"); len(All()) != before+2 {
		t.Error("Remote registered a code")
	}
	defer func() {
		if recover() == nil {
			t.Error("declaring a code with a second kind did not panic")
		}
	}()
	New(NotFound, "test_registry_twice", "another kind")
}

func TestKindString(t *testing.T) {
	for k := Internal; k < kindEnd; k++ {
		if k.String() == "" || k.String()[0] == 'k' {
			t.Errorf("kind %d has no name", k)
		}
	}
	if got := Kind(200).String(); got != "kind(200)" {
		t.Errorf("Kind(200) = %q", got)
	}
}
