package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Checkpoints copy committed pages from the WAL back into the database
// file. SQLite's default runs one inside the commit that pushes the WAL past
// 1,000 pages, so every so often a writer waits for thousands of page
// copies and an fsync of the database file: a tenth of a batched commit's
// time, and most of a second after an entry of a million postings. Here a
// goroutine with its own connection runs them instead, on the other core:
// SQLite lets a PASSIVE checkpoint run beside the writer and the readers,
// and copies only frames that no reader still needs.
const (
	// checkpointDelay is how long the checkpointer lets commits pile up
	// after the first one it hears of, so that a page changed by many
	// commits in a row is copied once.
	checkpointDelay = 20 * time.Millisecond
	// walBackstopPages is the WAL size at which the writer checkpoints
	// itself after all (SQLite's wal_autocheckpoint): only reached when
	// the checkpointer falls behind or long reads hold old frames. 64 MiB
	// at the default page size.
	walBackstopPages = 16384
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
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), quit: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	return c
}

// poke says that a transaction ended; it never blocks.
func (c *checkpointer) poke() {
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
		select {
		case <-c.quit:
			return
		case <-time.After(checkpointDelay):
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
