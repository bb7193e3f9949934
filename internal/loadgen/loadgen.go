// Package loadgen drives a ledger server over HTTP with one payment
// workload and measures it: the rate, the latency of requests, and the
// CPU the generator (and, on Linux, the server and its database) spent
// per payment. It speaks Tributary's API and Formance Ledger v2's, so the
// same load runs against either (`tributary bench`).
//
// A payment is one 4-posting entry: a buyer, one of 10,000, pays 100.00
// USD, 2.50 to a treasury and the remaining 97.50 split 70/20/10 between
// three sellers. With hot accounts every payment pays the same three
// sellers (and every payment the treasury); spread, the sellers are three
// of 1,000. Every write goes under an idempotency key of its own.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tributary-ledger/tributary/internal/rusage"
)

// The workload's figures, in cents.
const (
	Buyers        = 10000
	SpreadSellers = 1000
	PaymentCents  = 10000
	FeeCents      = 250
)

// Shares are the sellers' cents of one payment: 70/20/10 of what the fee
// leaves.
var Shares = [3]int{6825, 1950, 975}

// Targets the generator speaks to.
const (
	TargetTributary = "tributary"
	TargetFormance  = "formance"
)

// Config is one run.
type Config struct {
	URL     string // the server's base URL, e.g. http://127.0.0.1:8650
	Token   string // sent as a bearer token when not empty
	Target  string // TargetTributary or TargetFormance
	Ledger  string // Formance's ledger name
	Clients int    // concurrent clients, each waiting for its answer before sending again
	Batch   int    // payments per request; 1 sends single payments
	Spread  bool   // sellers among SpreadSellers instead of three hot ones
	// Payments ends the run after that many payments (rounded up to
	// whole requests); Duration ends it after that long. One must be set.
	Payments int
	Duration time.Duration
	// Prefix starts every idempotency key; two runs with one prefix would
	// replay each other's keys.
	Prefix string
	// Atomic asks Formance to apply a bulk in one transaction.
	Atomic bool
	// Watch are processes whose CPU the report gives per payment (Linux).
	Watch []Watch
}

// Watch names a process whose CPU time a run measures: a server, or a
// PostgreSQL postmaster (its backends included, see ProcCPU).
type Watch struct {
	Name string
	PID  int
	// Of, when set, makes PID a PostgreSQL postmaster whose backends
	// serving the process Of are measured, instead of PID itself.
	Of int
}

// Report is what a run measured.
type Report struct {
	Target   string        `json:"target"`
	Clients  int           `json:"clients"`
	Batch    int           `json:"batch"`
	Spread   bool          `json:"spread"`
	Payments int           `json:"payments"`
	Requests int           `json:"requests"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	Rate     float64       `json:"payments_per_second"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	// OwnCPUPerRequest is the generator's CPU per request.
	OwnCPUPerRequest time.Duration `json:"own_cpu_per_request_ns"`
	// CPUPerPayment is each watched process's CPU per payment.
	CPUPerPayment map[string]time.Duration `json:"cpu_per_payment_ns,omitempty"`
}

// ErrConfig refuses a run that cannot be made.
var ErrConfig = errors.New("invalid load")

func (c *Config) check() error {
	switch {
	case c.Target != TargetTributary && c.Target != TargetFormance:
		return fmt.Errorf("%w: target %q; want %s or %s", ErrConfig, c.Target, TargetTributary, TargetFormance)
	case c.Clients < 1 || c.Batch < 1 || c.Batch > 1000:
		return fmt.Errorf("%w: %d clients, batches of %d; want at least 1 client and 1 to 1000 per batch", ErrConfig, c.Clients, c.Batch)
	case c.Payments <= 0 && c.Duration <= 0:
		return fmt.Errorf("%w: neither a number of payments nor a duration", ErrConfig)
	case c.Target == TargetFormance && c.Ledger == "":
		return fmt.Errorf("%w: Formance needs a ledger name", ErrConfig)
	}
	return nil
}

// Run sends the load and measures it. A request the server does not
// answer with success (or, in a batch, a payment it does not create)
// ends the run with an error: the figures of a run that failed mean
// nothing.
func Run(ctx context.Context, c Config, hc *http.Client) (Report, error) {
	if err := c.check(); err != nil {
		return Report{}, err
	}
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.Clients, MaxConnsPerHost: c.Clients}, Timeout: time.Minute}
	}
	var w writer
	switch c.Target {
	case TargetFormance:
		w = &formance{base: strings.TrimRight(c.URL, "/"), ledger: c.Ledger, atomic: c.Atomic}
		if err := w.(*formance).create(ctx, hc, c.Token); err != nil {
			return Report{}, err
		}
	default:
		w = &tributary{base: strings.TrimRight(c.URL, "/")}
	}
	l := &load{c: c, hc: hc, w: w}
	return l.run(ctx)
}

// writer builds one request of a target and checks its answer.
type writer interface {
	request(ctx context.Context, pays []payment) (*http.Request, error)
	check(resp *http.Response, body []byte, n int) error
}

type load struct {
	c    Config
	hc   *http.Client
	w    writer
	next atomic.Int64 // the next payment's number
}

func (l *load) run(ctx context.Context) (Report, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var deadline time.Time
	if l.c.Duration > 0 {
		deadline = time.Now().Add(l.c.Duration)
	}
	lat := make([][]time.Duration, l.c.Clients)
	errs := make([]error, l.c.Clients)
	before, err := l.cpu()
	if err != nil {
		return Report{}, err
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range l.c.Clients {
		wg.Go(func() {
			lat[i], errs[i] = l.client(ctx, deadline)
			if errs[i] != nil {
				cancel() // the others stop too
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	after, err := l.cpu()
	if err != nil {
		return Report{}, err
	}
	if err := errors.Join(errs...); err != nil {
		return Report{}, err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	rep := Report{Target: l.c.Target, Clients: l.c.Clients, Batch: l.c.Batch, Spread: l.c.Spread,
		Requests: len(all), Payments: len(all) * l.c.Batch, Elapsed: elapsed}
	if len(all) == 0 {
		return rep, fmt.Errorf("no request was sent")
	}
	rep.Rate = float64(rep.Payments) / elapsed.Seconds()
	rep.P50, rep.P99 = all[len(all)/2], all[min(len(all)-1, len(all)*99/100)]
	rep.OwnCPUPerRequest = (after[0] - before[0]) / time.Duration(rep.Requests)
	if len(l.c.Watch) > 0 {
		rep.CPUPerPayment = map[string]time.Duration{}
		for i, w := range l.c.Watch {
			rep.CPUPerPayment[w.Name] = (after[i+1] - before[i+1]) / time.Duration(rep.Payments)
		}
	}
	return rep, nil
}

// cpu returns the generator's CPU time, then each watched process's.
func (l *load) cpu() ([]time.Duration, error) {
	out := []time.Duration{rusage.CPU()}
	for _, w := range l.c.Watch {
		d, err := ProcCPU(w)
		if err != nil {
			return nil, fmt.Errorf("reading the CPU time of %s (%d): %w", w.Name, w.PID, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// client sends requests one after another until the run ends, and
// returns their latencies.
func (l *load) client(ctx context.Context, deadline time.Time) ([]time.Duration, error) {
	var lat []time.Duration
	pays := make([]payment, l.c.Batch)
	var body []byte
	for ctx.Err() == nil {
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			break
		}
		first := l.next.Add(int64(l.c.Batch)) - int64(l.c.Batch)
		if l.c.Payments > 0 && first >= int64(l.c.Payments) {
			break
		}
		for i := range pays {
			pays[i] = newPayment(first+int64(i), l.c.Spread, l.c.Prefix)
		}
		req, err := l.w.request(ctx, pays)
		if err != nil {
			return lat, err
		}
		if l.c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+l.c.Token)
		}
		t0 := time.Now()
		resp, err := l.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				break // another client failed, or the caller stopped the run
			}
			return lat, fmt.Errorf("payment %d: %w", first, err)
		}
		body, err = readAll(resp.Body, body[:0])
		resp.Body.Close()
		d := time.Since(t0)
		if err != nil {
			return lat, fmt.Errorf("payment %d: reading the answer: %w", first, err)
		}
		if err := l.w.check(resp, body, len(pays)); err != nil {
			return lat, fmt.Errorf("payment %d: %w", first, err)
		}
		lat = append(lat, d)
	}
	return lat, nil
}

func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// payment is one payment of the workload: who pays whom.
type payment struct {
	key     string
	buyer   int
	sellers [3]int
}

// newPayment is payment number i: buyers in turn, and either the three
// hot sellers or three consecutive sellers of SpreadSellers in turn.
func newPayment(i int64, spread bool, prefix string) payment {
	p := payment{key: prefix + "-" + strconv.FormatInt(i, 10), buyer: int(i % Buyers)}
	if spread {
		s := int(i*3) % SpreadSellers
		p.sellers = [3]int{s, (s + 1) % SpreadSellers, (s + 2) % SpreadSellers}
	} else {
		p.sellers = [3]int{0, 1, 2}
	}
	return p
}

// Treasury is the account the fee goes to.
const Treasury = "treasury"

// BuyerAccount and SellerAccount name the workload's accounts (Tributary
// names; Formance's use the same words, see formanceAccount).
func BuyerAccount(n int) string  { return "@buyer:" + strconv.Itoa(n) }
func SellerAccount(n int) string { return "seller:" + strconv.Itoa(n) }
