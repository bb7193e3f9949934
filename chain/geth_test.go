//go:build linux

package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/tributary-ledger/tributary/program/feeshare"
)

// gethPath finds a geth binary: $TRIBUTARY_GETH, else geth on the PATH.
// .ci/run builds one from the module proxy at go.mod's go-ethereum version.
func gethPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TRIBUTARY_GETH"); p != "" {
		return p
	}
	p, err := exec.LookPath("geth")
	if err != nil {
		t.Skip("no geth binary (set TRIBUTARY_GETH or put geth on the PATH; .ci/run builds one)")
	}
	return p
}

// gethNode is `geth --dev` on a data directory that outlives its runs.
type gethNode struct {
	bin, dir string
	port     int
	cmd      *exec.Cmd
	log      *os.File
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (g *gethNode) url() string { return fmt.Sprintf("http://127.0.0.1:%d", g.port) }

// start runs the node and waits until it answers.
func (g *gethNode) start(t *testing.T) *ethclient.Client {
	t.Helper()
	var err error
	if g.log, err = os.OpenFile(filepath.Join(g.dir, "geth.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
		t.Fatal(err)
	}
	g.cmd = exec.Command(g.bin, "--dev", "--dev.period", "1", "--datadir", filepath.Join(g.dir, "data"),
		"--http", "--http.addr", "127.0.0.1", "--http.port", fmt.Sprint(g.port), "--http.api", "eth,net,web3",
		"--ipcdisable", "--nodiscover", "--maxpeers", "0", "--port", "0", "--authrpc.port", fmt.Sprint(freePort(t)), "--verbosity", "3")
	g.cmd.Stdout, g.cmd.Stderr = g.log, g.log
	// Should the test binary die, the node dies with it (Linux).
	g.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := ethclient.Dial(g.url())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, err := c.BlockNumber(context.Background())
		return err == nil
	})
	return c
}

// stop ends the node with SIGTERM, as an operator does, and waits.
func (g *gethNode) stop(t *testing.T) {
	t.Helper()
	if g.cmd == nil {
		return
	}
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := g.cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
	}
	g.cmd = nil
	g.log.Close()
}

func (g *gethNode) dumpLog(t *testing.T) {
	if t.Failed() {
		if b, err := os.ReadFile(filepath.Join(g.dir, "geth.log")); err == nil {
			t.Logf("geth log (last 4 kB):\n%s", b[max(0, len(b)-4096):])
		}
	}
}

// gethSend signs and sends a dynamic-fee transaction and waits for its
// receipt.
func gethSend(t *testing.T, c *ethclient.Client, key *ecdsa.PrivateKey, to *common.Address, value *big.Int, data []byte) *types.Receipt {
	t.Helper()
	ctx := context.Background()
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := c.PendingNonceAt(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, err := c.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tip := big.NewInt(1_000_000_007)
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(id), &types.DynamicFeeTx{ChainID: id, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: simGas, To: to, Value: value, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	var r *types.Receipt
	waitFor(t, func() bool {
		r, err = c.TransactionReceipt(ctx, tx.Hash())
		return err == nil
	})
	return r
}

// gethFund sends value wei from the dev account, which geth --dev holds
// unlocked, to each address.
func gethFund(t *testing.T, c *ethclient.Client, to ...common.Address) {
	t.Helper()
	ctx := context.Background()
	var accts []common.Address
	if err := c.Client().CallContext(ctx, &accts, "eth_accounts"); err != nil || len(accts) == 0 {
		t.Fatalf("eth_accounts = %v, %v; want the dev account", accts, err)
	}
	for _, a := range to {
		var h common.Hash
		arg := map[string]any{"from": accts[0], "to": a, "value": "0x" + new(big.Int).Exp(big.NewInt(10), big.NewInt(21), nil).Text(16)}
		if err := c.Client().CallContext(ctx, &h, "eth_sendTransaction", arg); err != nil {
			t.Fatal(err)
		}
		// Until the receipt is there: "transaction indexing is in
		// progress" is not ethereum.NotFound, and the funds are not
		// there yet either.
		waitFor(t, func() bool {
			_, err := c.TransactionReceipt(ctx, h)
			return err == nil
		})
	}
}

// TestGethDev follows a real node, `geth --dev` (which burns the base
// fee, as mainnet does), through a restart: the watcher keeps running
// while the node is stopped with SIGTERM (Ready reports it), and once the
// node is back it applies the rest. Every account matches a computation
// from the node's receipts and headers to the wei, and every entry is in
// the journal once.
func TestGethDev(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a geth node")
	}
	g := &gethNode{bin: gethPath(t), dir: t.TempDir(), port: freePort(t)}
	defer g.dumpLog(t)
	defer g.stop(t)
	ctx := context.Background()
	rpc := g.start(t)
	deployer, user := testKey(t, 31), testKey(t, 32)
	gethFund(t, rpc, crypto.PubkeyToAddress(deployer.PublicKey), crypto.PubkeyToAddress(user.PublicKey))
	// The deployer creates the target contract at its nonce 0.
	created := gethSend(t, rpc, deployer, nil, nil, InitCode(TargetRuntime))
	contract := feeshare.Address(created.ContractAddress)
	if contract != CreateAddress(KeyAddress(deployer), 0) {
		t.Fatalf("contract at %x; want the CREATE address at nonce 0", contract)
	}

	c, err := Dial(ctx, g.url())
	if err != nil {
		t.Fatal(err)
	}
	l := newLedger(t)
	req, sig := signed(t, c, deployer, feeshare.Request{Action: feeshare.ActionRegister, Contract: contract, Deployer: KeyAddress(deployer), Nonces: []uint64{0}, Nonce: 1})
	facts, err := c.Facts(ctx, req.Deployer, req.Contract)
	if err != nil {
		t.Fatal(err)
	}
	if err := registerAt(ctx, l, c, req, sig, nil); err != nil {
		t.Fatal(err)
	}
	w := l.watcher(t, c, Config{Confirmations: 2, Start: 1, BaseFee: feeshare.BaseFeeBurned, Poll: 50 * time.Millisecond, BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	wctx, stopWatcher := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(wctx); err != nil {
			t.Errorf("Run = %v; want nil when stopped", err)
		}
	}()
	defer func() {
		stopWatcher()
		<-done
	}()

	to := common.Address(contract)
	var last uint64
	for i := range 3 {
		r := gethSend(t, rpc, user, &to, nil, map[bool][]byte{true: {1}}[i == 1]) // the second reverts
		last = r.BlockNumber.Uint64()
	}
	waitFor(t, func() bool { return w.Status().Tip.Number >= last })

	g.stop(t)
	waitFor(t, func() bool { return errors.Is(w.Ready(ctx), ErrEndpoint) })
	stoppedAt := w.Status().Tip
	rpc = g.start(t)
	for range 3 {
		last = gethSend(t, rpc, user, &to, nil, nil).BlockNumber.Uint64()
	}
	waitFor(t, func() bool { return w.Status().Tip.Number >= last && w.Ready(ctx) == nil })
	stopWatcher()
	<-done

	tip := w.Status().Tip.Number
	if tip <= stoppedAt.Number {
		t.Fatalf("tip %d; want past %d, where the node stopped", tip, stoppedAt.Number)
	}
	e := expectOn(t, rpc, feeshare.BaseFeeBurned, 1, tip, contract, func(n uint64) bool { return n > facts.Head })
	if e.devTxs != 5 || e.burned.Sign() == 0 {
		t.Fatalf("%d transactions pay the developer, %s wei burned; want 5, and some", e.devTxs, e.burned)
	}
	e.check(t, l, KeyAddress(deployer))
	for k, n := range journalKeys(t, l) {
		if n != 1 {
			t.Errorf("journal key %s appears %d times; want once", k, n)
		}
	}
	t.Logf("geth --dev: %d blocks applied across a restart at block %d; fees %s, burned %s, developer %s, validators %s", tip, stoppedAt.Number, e.fees, e.burned, e.developer, e.validators)
}
