package client_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

const benchSecret = "trb_bench_admin"

type benchStore interface {
	api.Store
	engine.Store
}

// benchServer runs the real API on a loopback port, with group commit as
// `tributary serve` has it.
func benchServer(b *testing.B, s benchStore, workers int) string {
	b.Helper()
	if err := s.PutToken(context.Background(), auth.FromSecret(benchSecret, auth.Admin, nil, "", time.Now())); err != nil {
		b.Fatal(err)
	}
	reg := money.NewRegistry()
	eng := engine.New(s, reg)
	g := engine.NewGroup(eng, workers, 256)
	srv := httptest.NewServer(api.New(api.Config{Store: s, Engine: eng, Group: g, Currencies: reg, Modules: programs.Modules(programs.Deps{}), Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}).Handler())
	b.Cleanup(func() { srv.Close(); g.Close() })
	return srv.URL
}

// payment is a payment split three ways plus a fee: 4 postings.
func payment(i int) []wire.PostingJSON {
	buyer := fmt.Sprintf("@buyer:%d", i%1000)
	return []wire.PostingJSON{
		{From: buyer, To: fmt.Sprintf("payee:%d", i%997), Amount: "990000", Currency: "USDC", Path: "bench → split 50%"},
		{From: buyer, To: fmt.Sprintf("payee:%d", (i+1)%997), Amount: "297000", Currency: "USDC", Path: "bench → split 15%"},
		{From: buyer, To: fmt.Sprintf("payee:%d", (i+2)%997), Amount: "693000", Currency: "USDC", Path: "bench → split 35%"},
		{From: buyer, To: "platform:fee", Amount: "250000", Currency: "USDC", Path: "bench → fee"},
	}
}

const clients = 16

// run drives b.N entries through clients goroutines, batch entries per
// request, and reports entries/s and request latency percentiles. With
// raw, each client is a bare HTTP/1.1 keep-alive connection that writes a
// request and reads its answer, as wrk does, instead of the Go client:
// the server's share of the machine is then what a load generator in
// another process would leave it.
func run(b *testing.B, url string, batch int, raw bool) {
	var c *client.Client
	if !raw {
		c = client.New(url, benchSecret, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute})
	}
	ctx := context.Background()
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rc *rawConn
			if raw {
				var err error
				if rc, err = dialRaw(url); err != nil {
					b.Error(err)
					return
				}
				defer rc.Close()
			}
			for {
				start := int(next.Add(int64(batch))) - batch
				if start >= b.N {
					return
				}
				n := min(batch, b.N-start)
				t0 := time.Now()
				if raw {
					if err := rc.createEntry(fmt.Sprintf("p-%d", start), payment(start)); err != nil {
						b.Error(err)
						return
					}
				} else if batch == 1 {
					if _, _, err := c.CreateEntry(ctx, fmt.Sprintf("p-%d", start), wire.EntryRequest{Postings: payment(start)}); err != nil {
						b.Error(err)
						return
					}
				} else {
					items := make([]wire.BatchItem, n)
					for j := range items {
						items[j] = wire.BatchItem{Key: fmt.Sprintf("p-%d", start+j), Postings: payment(start + j)}
					}
					res, err := c.CreateEntries(ctx, wire.BatchRequest{Entries: items})
					if err != nil {
						b.Error(err)
						return
					}
					for _, r := range res.Results {
						if r.Status != "created" {
							b.Errorf("%s: %s %+v", r.Key, r.Status, r.Error)
							return
						}
					}
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkHTTPPayments(b *testing.B) {
	type target struct {
		name    string
		open    func(b *testing.B) benchStore
		workers int
	}
	targets := []target{{"sqlite", func(b *testing.B) benchStore {
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}, 1}}
	if url := os.Getenv("TRIBUTARY_POSTGRES_URL"); url != "" {
		targets = append(targets, target{"postgres", func(b *testing.B) benchStore {
			s, _, cleanup, err := postgres.OpenFresh(context.Background(), url)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { cleanup() })
			return s
		}, 1}) // one committer, as tributary serve has
	}
	for _, tg := range targets {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/clients=%d/batch=%d", tg.name, clients, batch), func(b *testing.B) {
				run(b, benchServer(b, tg.open(b), tg.workers), batch, false)
			})
		}
		b.Run(fmt.Sprintf("%s-raw/clients=%d/batch=1", tg.name, clients), func(b *testing.B) {
			run(b, benchServer(b, tg.open(b), tg.workers), 1, true)
		})
	}
}

// rawConn is one keep-alive HTTP/1.1 connection speaking just enough of
// the protocol for POST /v1/entries: the request is formatted by hand and
// the answer's status line, Content-Length and body are read.
type rawConn struct {
	net.Conn
	r   *bufio.Reader
	req []byte
}

func dialRaw(url string) (*rawConn, error) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		return nil, err
	}
	return &rawConn{Conn: conn, r: bufio.NewReader(conn)}, nil
}

func (c *rawConn) createEntry(key string, postings []wire.PostingJSON) error {
	body, err := json.Marshal(wire.EntryRequest{Postings: postings})
	if err != nil {
		return err
	}
	c.req = fmt.Appendf(c.req[:0], "POST /v1/entries HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer %s\r\nIdempotency-Key: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", benchSecret, key, len(body))
	c.req = append(c.req, body...)
	if _, err := c.Write(c.req); err != nil {
		return err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	status := string(bytes.TrimSpace(line)) // ReadSlice's bytes last until the next read
	created := strings.HasPrefix(status, "HTTP/1.1 201 ")
	length := -1
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return err
			}
		}
	}
	if length < 0 {
		return fmt.Errorf("answer without Content-Length: %q", status)
	}
	answer := make([]byte, length)
	if _, err := io.ReadFull(c.r, answer); err != nil {
		return err
	}
	if !created || !bytes.Contains(answer, []byte(`"seq":`)) {
		return fmt.Errorf("%s: %s", status, answer)
	}
	return nil
}
