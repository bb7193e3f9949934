package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// TestReadOnlyOtherProgram: an operation reads another program's state
// only when it declares that program in Op.Reads, sees what an earlier
// operation of the same batch wrote there, and its own writes still go to
// its own program.
func TestReadOnlyOtherProgram(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	e := engine.New(s, money.NewRegistry())
	at := time.Unix(0, 0)
	write := engine.Op{Key: "w", Time: at, Program: "book", Run: func(engine.View) (engine.Change, error) {
		return engine.Change{Kind: ledger.Config, State: []engine.StateWrite{{Key: "k", Value: []byte("from book")}}}, nil
	}}
	read := func(key string, reads []string) engine.Op {
		return engine.Op{Key: key, Time: at, Program: "reader", Reads: reads, Run: func(v engine.View) (engine.Change, error) {
			val, ok, err := engine.ReadOnly(v, "book").State("k")
			if err != nil {
				return engine.Change{}, err
			}
			if !ok {
				val = []byte("none")
			}
			return engine.Change{Kind: ledger.Config, State: []engine.StateWrite{{Key: "copy", Value: val}}}, nil
		}}
	}
	res, err := e.Apply(ctx, []engine.Op{write, read("r", []string{"book"})})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("op %d: %v", i, r.Err)
		}
	}
	if v, _, err := s.State(ctx, "reader", "copy"); err != nil || string(v) != "from book" {
		t.Errorf("the reader copied %q (%v); want the book's value, written earlier in the batch", v, err)
	}
	if _, ok, _ := s.State(ctx, "book", "copy"); ok {
		t.Error("the reader's write went to the book")
	}
	_, err = e.ApplyOne(ctx, read("undeclared", nil))
	if err == nil || !strings.Contains(err.Error(), "Op.Reads") {
		t.Errorf("an undeclared read: %v; want a refusal naming Op.Reads", err)
	}
}
