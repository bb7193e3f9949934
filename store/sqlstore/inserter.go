package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// insertChunks are the row counts of the INSERT statements used: fixed
// shapes, so that each is prepared once and reused, instead of one shape
// per batch size. Every count up to 16 has its own, so that the small
// transactions of group commit (a few entries each) write each table with
// one statement: with only 16, 4 and 1, seven rows took four, and a
// statement costs more than its rows there.
var insertChunks = [...]int{256, 64, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}

// pipelineRowsMin is the number of rows from which a write is pipelined:
// below it, handing chunks to another goroutine costs more than it saves.
const pipelineRowsMin = 512

// pipelineDepth bounds the chunks built and not yet written, and so the
// memory of a write of a million rows.
const pipelineDepth = 4

// inserter groups rows by statement shape and writes them with multi-row
// INSERTs, which cost far less per row than one statement each. A write
// that is large enough is pipelined: full chunks go to a goroutine that
// executes them on the transaction while the caller builds the next ones,
// so that building rows in Go (encoding postings, formatting amounts) runs
// on one core while SQLite executes on the other. Rows of one shape are
// written in the order added; shapes do not depend on each other's order
// (no table refers to another).
type inserter struct {
	ctx    context.Context
	t      *txn
	groups []insertGroup // by shape id
	// arrays, when set, takes the rows of arrayShapes, written in one
	// statement at flush (see arrays.go).
	arrays *arrayRows

	// With a pipeline: chunks to execute, spent argument lists to reuse,
	// and the executor's first error once it stopped.
	work chan insertChunk
	free chan []any
	done chan error
	err  error
}

type insertGroup struct {
	args []any // rows not yet in a chunk
}

type insertChunk struct {
	shape *insertShape
	c     int // index in insertChunks
	args  []any
}

func newInserter(ctx context.Context, t *txn, pipelined bool) *inserter {
	ins := &inserter{ctx: ctx, t: t, groups: make([]insertGroup, len(insertShapes))}
	if pipelined {
		ins.work = make(chan insertChunk, pipelineDepth)
		ins.free = make(chan []any, pipelineDepth+2)
		ins.done = make(chan error, 1)
		go ins.execute()
	}
	return ins
}

// add appends one row. A full chunk is written at once, or handed to the
// pipeline.
func (ins *inserter) add(shape *insertShape, args ...any) {
	if len(args) != shape.ncols {
		panic(fmt.Sprintf("sqlstore: %d values for the %d columns of %s", len(args), shape.ncols, shape.table))
	}
	ins.t.rows++
	if ins.arrays != nil && arrayIndex[shape.id] >= 0 {
		if err := ins.arrays.add(arrayIndex[shape.id], args); err != nil && ins.err == nil {
			ins.err = err
		}
		return
	}
	g := &ins.groups[shape.id]
	if g.args == nil {
		g.args = ins.argList(shape)
	}
	g.args = append(g.args, args...)
	if c := ins.t.s.fullChunk(shape); len(g.args) == insertChunks[c]*shape.ncols {
		ins.submit(insertChunk{shape: shape, c: c, args: g.args})
		g.args = nil
	}
}

// fullChunk is the index of the largest chunk of shape the dialect takes.
func (s *Store) fullChunk(shape *insertShape) int {
	for c, n := range insertChunks {
		if n*shape.ncols <= s.d.ParamsMax {
			return c
		}
	}
	return len(insertChunks) - 1
}

func (ins *inserter) argList(shape *insertShape) []any {
	if ins.free != nil {
		select {
		case a := <-ins.free:
			return a[:0]
		default:
		}
		// A pipelined write fills whole chunks: room for one, of the
		// widest shape, so that the list can be reused for any.
		return make([]any, 0, insertChunks[ins.t.s.fullChunk(shape)]*10)
	}
	// A small write, the usual group commit of a few entries, grows its
	// lists as it needs: a whole chunk's room per table was 40 KB of
	// zeroed memory for a one-entry transaction.
	return make([]any, 0, 16*shape.ncols)
}

func (ins *inserter) submit(ch insertChunk) {
	if ins.work == nil {
		if ins.err == nil {
			ins.err = ins.exec(ch)
		}
		return
	}
	ins.work <- ch
}

func (ins *inserter) exec(ch insertChunk) error {
	st := ins.t.s.ins[ch.shape.id][ch.c]
	n := insertChunks[ch.c]
	if st == nil {
		return fmt.Errorf("no statement inserting %d rows into %s", n, ch.shape.table)
	}
	if _, err := ins.t.tx.StmtContext(ins.ctx, st).ExecContext(ins.ctx, ch.args...); err != nil {
		return fmt.Errorf("inserting %d rows into %s: %w", n, ch.shape.table, err)
	}
	return nil
}

// execute runs in the pipeline's goroutine until work is closed. After an
// error it only drains.
func (ins *inserter) execute() {
	var err error
	for ch := range ins.work {
		if err == nil {
			err = ins.exec(ch)
		}
		if cap(ch.args) >= insertChunks[0]*ch.shape.ncols {
			clear(ch.args) // drop references to the values written
			select {
			case ins.free <- ch.args:
			default:
			}
		}
	}
	ins.done <- err
}

// flush writes the rows left, in the smaller chunk sizes, waits for the
// pipeline and returns the first error.
func (ins *inserter) flush() error {
	if ins.arrays != nil && ins.err == nil {
		ins.err = ins.arrays.exec(ins.ctx, ins.t)
	}
	for id, sh := range insertShapes {
		g := &ins.groups[id]
		rows := len(g.args) / sh.ncols
		for start := 0; start < rows; {
			c := len(insertChunks) - 1
			for k, n := range insertChunks {
				if n <= rows-start && n*sh.ncols <= ins.t.s.d.ParamsMax {
					c = k
					break
				}
			}
			n := insertChunks[c]
			ins.submit(insertChunk{shape: sh, c: c, args: g.args[start*sh.ncols : (start+n)*sh.ncols : (start+n)*sh.ncols]})
			start += n
		}
		g.args = nil
	}
	return ins.wait()
}

func (ins *inserter) wait() error {
	if ins.work != nil {
		close(ins.work)
		if err := <-ins.done; err != nil && ins.err == nil {
			ins.err = err
		}
		ins.work = nil
	}
	return ins.err
}

// abort stops the pipeline if flush did not run (an error while building
// rows): the transaction is rolled back, so what it wrote does not matter,
// but its goroutine must not outlive it.
func (ins *inserter) abort() { _ = ins.wait() }

func (s *Store) insertSQL(shape *insertShape, nrows int) string {
	var sb strings.Builder
	sb.Grow(32 + len(shape.cols) + nrows*shape.ncols*5 + len(shape.suffix))
	sb.WriteString("INSERT INTO ")
	sb.WriteString(shape.table)
	sb.WriteString(" (")
	sb.WriteString(shape.cols)
	sb.WriteString(") VALUES ")
	n := 1
	for r := 0; r < nrows; r++ {
		if r > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for c := 0; c < shape.ncols; c++ {
			if c > 0 {
				sb.WriteByte(',')
			}
			if s.d.Numbered {
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(n))
			} else {
				sb.WriteByte('?') // plain ? for SQLite: see Store.q
			}
			n++
		}
		sb.WriteByte(')')
	}
	sb.WriteString(shape.suffix)
	return sb.String()
}
