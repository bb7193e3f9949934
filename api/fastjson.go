package api

import (
	"bytes"
	"io"
	"sync"

	"github.com/tributary-ledger/tributary/wire"
)

// Buffers for reading request bodies and writing answers, and the plain
// JSON paths of package wire (see its fastjson.go) plugged into them.

// fastBufMax bounds the buffers kept for reuse; a larger body or answer
// gets a buffer of its own.
const fastBufMax = 64 << 10

// answerRoom is the room made in a buffer for an answer before writing it.
const answerRoom = 8 << 10

var fastBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer { return fastBufs.Get().(*bytes.Buffer) }

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= fastBufMax {
		b.Reset()
		fastBufs.Put(b)
	}
}

// readBody reads body, of the announced size, to its end into buf, and
// returns what it read and the read's error, if any.
func readBody(body io.Reader, buf *bytes.Buffer, size int64) ([]byte, error) {
	// Room for the size and the read that sees the end, so that a usual
	// body is read without growing; past fastBufMax the buffer grows with
	// what arrives, not with what a client announced.
	buf.Grow(int(min(size, fastBufMax)) + bytes.MinRead)
	_, err := buf.ReadFrom(body)
	return buf.Bytes(), err
}

// failReader fails every read with err: after the bytes of a body that
// failed part-way, it gives encoding/json the same failure after the same
// bytes.
type failReader struct{ err error }

func (f failReader) Read([]byte) (int, error) { return 0, f.err }

// readAgain is a reader of what readBody read, failing as the body failed.
func readAgain(data []byte, err error) io.Reader {
	if err == nil {
		return bytes.NewReader(data)
	}
	return io.MultiReader(bytes.NewReader(data), failReader{err})
}

// writeFast writes v in one write, as json.Encoder does, if v has a plain
// path.
func writeFast(w io.Writer, v any) bool {
	if _, isEntry := v.(wire.EntryJSON); !isEntry {
		return false
	}
	buf := getBuf()
	defer putBuf(buf)
	// Room for an entry of a few dozen postings; a larger one grows a
	// slice of its own.
	buf.Grow(answerRoom)
	b, ok := wire.EncodeFast(buf.AvailableBuffer(), v)
	if ok {
		_, _ = w.Write(b)
	}
	return ok
}
