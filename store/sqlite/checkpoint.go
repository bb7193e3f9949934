package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// Checkpoints copy committed pages from the WAL back into the database
// file. SQLite runs one inside the commit that takes the WAL past
// walAutoPages, in the writer, right after its commit: it always finishes,
// and the next transaction starts the WAL over from its beginning. That is
// what keeps the WAL short, so the writer keeps doing it. (A checkpointer
// of its own, beside a writer committing without pause, never catches up:
// the WAL only starts over when a checkpoint has copied everything, it grew
// to its backstop, and a batched commit measured a tenth slower, single
// commits a third.)
//
// The exception is a transaction that wrote largeCommitRows rows or more,
// such as a usage close paying a million participants: its checkpoint
// copies tens of thousands of pages, most of a second that its commit would
// wait for. Such a transaction turns the writer's checkpoints off for its
// commit (sqlstore.SetLargeCommit), and this goroutine, with its own
// connection, checkpoints after it while the writer goes on; the writer's
// next commit past walAutoPages, if one comes before this finishes, finds
// the checkpoint taken and skips its own.
const (
	// walAutoPages is SQLite's default wal_autocheckpoint.
	walAutoPages = 1000
	// largeCommitRows is the size of a transaction whose checkpoint is
	// left to the checkpointer.
	largeCommitRows = 50000
	// checkpointTimeout bounds one checkpoint.
	checkpointTimeout = time.Minute
)

type checkpointer struct {
	db      *sql.DB
	wake    chan struct{}
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
	err     error
	pokes   atomic.Int64 // for tests: how many commits asked
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), quit: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	return c
}

// poke asks for a checkpoint; it never blocks.
func (c *checkpointer) poke() {
	c.pokes.Add(1)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.stopped)
	for {
		select {
		case <-c.quit:
			return
		case <-c.wake:
		}
		// Errors are not fatal: a checkpoint that fails or finds the WAL
		// busy leaves it as it was, the next one tries again, and the
		// writer's backstop bounds the WAL meanwhile.
		ctx, cancel := context.WithTimeout(context.Background(), checkpointTimeout)
		_, _ = c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		cancel()
	}
}

// stop ends the goroutine and closes its connection; later calls only
// return the first one's error.
func (c *checkpointer) stop() error {
	c.once.Do(func() {
		close(c.quit)
		<-c.stopped
		c.err = c.db.Close()
	})
	return c.err
}
