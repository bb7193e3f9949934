// Package chain is Tributary's only window onto an EVM chain: a JSON-RPC
// client that reads the facts a fee-share registration is checked against
// and verifies EIP-712 signed requests, and a watcher that follows confirmed
// blocks, reads their receipts and hands them to the pure feeshare program,
// reversing orphaned blocks when the chain reorganizes; and the payout
// claims contract's side (claims.go): deploy it or attach to it after
// checking its code, post a batch's root, claim, and read Claimed events.
// go-ethereum is imported here and nowhere else.
package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// Limits.
const (
	// TxsPerBlockMax bounds the transactions of one block the watcher
	// reads; a block with more stops the watcher with ErrBlockTxs rather
	// than being skipped. Ethereum's 30M gas limit allows at most ~1430.
	TxsPerBlockMax = 5000
	// rpcTimeout bounds one JSON-RPC call, so that a stuck endpoint turns
	// into an error the watcher retries instead of a hang.
	rpcTimeout = 30 * time.Second
)

// Errors.
var (
	// ErrEndpoint is a JSON-RPC call that failed: the endpoint is down,
	// slow or answered with an error.
	ErrEndpoint = errcode.New(errcode.Unavailable, "chain_unavailable", "the chain endpoint did not answer")
	// ErrBlockTxs is a block with more than TxsPerBlockMax transactions.
	ErrBlockTxs = errcode.New(errcode.TooLarge, "chain_block_txs_max", "the block has too many transactions")
	// ErrInconsistent is an answer that contradicts another one, as when a
	// receipt belongs to another block than the one read: the chain moved
	// while it was being read, and the read is tried again.
	ErrInconsistent = errcode.New(errcode.Unavailable, "chain_inconsistent", "the chain changed while it was read")
)

// errNotFound is a block the chain does not have (any more).
var errNotFound = errors.New("no such block")

// Backend is what the client needs of a JSON-RPC endpoint. go-ethereum's
// *ethclient.Client and the simulated backend's client both satisfy it.
type Backend interface {
	ChainID(ctx context.Context) (*big.Int, error)
	BlockNumber(ctx context.Context) (uint64, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	BlockByNumber(ctx context.Context, number *big.Int) (*types.Block, error)
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
	CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error)
}

// blockReceipts is eth_getBlockReceipts, which ethclient offers: one call
// for a block's receipts instead of one per transaction.
type blockReceipts interface {
	BlockReceipts(ctx context.Context, blockNrOrHash rpc.BlockNumberOrHash) ([]*types.Receipt, error)
}

// txSender is ethclient's TransactionSender, which answers from the
// "from" the node sent with the block instead of an ecrecover per
// transaction.
type txSender interface {
	TransactionSender(ctx context.Context, tx *types.Transaction, block common.Hash, index uint) (common.Address, error)
}

// Client reads a chain. It implements feeshare.ChainClient.
type Client struct {
	b       Backend
	chainID uint64
	signer  types.Signer
}

// Dial connects to a JSON-RPC endpoint (http, https, ws or ipc) and reads
// its chain id.
//
// Errors: ErrEndpoint.
func Dial(ctx context.Context, url string) (*Client, error) {
	c, err := ethclient.DialContext(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("%w: connecting to %s: %w", ErrEndpoint, url, err)
	}
	return New(ctx, c)
}

// New returns a client over b, reading its chain id once: a chain's id does
// not change.
//
// Errors: ErrEndpoint.
func New(ctx context.Context, b Backend) (*Client, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	id, err := b.ChainID(ctx)
	if err != nil {
		return nil, endpointErr("eth_chainId", err)
	}
	if !id.IsUint64() {
		return nil, errcode.Errorf(ErrEndpoint, "chain id %s does not fit 64 bits", id)
	}
	return &Client{b: b, chainID: id.Uint64(), signer: types.LatestSignerForChainID(id)}, nil
}

// endpointErr wraps both ErrEndpoint, for the error code, and the
// transport's error, for errors.Is on it.
func endpointErr(call string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrEndpoint, call, err)
}

// ChainID is the chain's id, which signed requests must name.
func (c *Client) ChainID() uint64 { return c.chainID }

// Facts reads, at one head block, the deployer's transaction count and
// whether it has code, and whether the contract has code.
//
// Errors: ErrEndpoint.
func (c *Client) Facts(ctx context.Context, deployer, contract feeshare.Address) (feeshare.Facts, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	head, err := c.b.BlockNumber(ctx)
	if err != nil {
		return feeshare.Facts{}, endpointErr("eth_blockNumber", err)
	}
	// Every fact at the same block, so that they describe one state.
	at := new(big.Int).SetUint64(head)
	nonce, err := c.b.NonceAt(ctx, common.Address(deployer), at)
	if err != nil {
		return feeshare.Facts{}, endpointErr("eth_getTransactionCount", err)
	}
	dcode, err := c.b.CodeAt(ctx, common.Address(deployer), at)
	if err != nil {
		return feeshare.Facts{}, endpointErr("eth_getCode", err)
	}
	ccode, err := c.b.CodeAt(ctx, common.Address(contract), at)
	if err != nil {
		return feeshare.Facts{}, endpointErr("eth_getCode", err)
	}
	return feeshare.Facts{DeployerNonce: nonce, DeployerHasCode: len(dcode) > 0, ContractHasCode: len(ccode) > 0, Head: head}, nil
}

// Signer recovers the address whose key signed req's EIP-712 digest. The
// request must name this chain.
//
// Errors: ErrChainID and those of Recover.
func (c *Client) Signer(req feeshare.Request, sig []byte) (feeshare.Address, error) {
	if req.ChainID != c.chainID {
		return feeshare.Address{}, errcode.Errorf(ErrChainID, "request names chain %d; this chain is %d", req.ChainID, c.chainID)
	}
	return Recover(req, sig)
}

// Verify checks that sig is the request's deployer's signature over req:
// what the fee-share routes require before a deployer's register, update
// or cancel.
//
// Errors: feeshare.ErrNotDeployer for a signature by another key (or over
// other fields), and those of Signer.
func (c *Client) Verify(req feeshare.Request, sig []byte) error {
	signer, err := c.Signer(req, sig)
	if err != nil {
		return err
	}
	if signer != req.Deployer {
		return errcode.Errorf(feeshare.ErrNotDeployer, "the request is signed by %s, not by the deployer %s (or it was signed over other fields)", signer.Hex(), req.Deployer.Hex())
	}
	return nil
}

// Head returns the chain's head block number: what a fee-share update or
// cancel accepted now takes effect after.
//
// Errors: ErrEndpoint.
func (c *Client) Head(ctx context.Context) (uint64, error) { return c.head(ctx) }

// head returns the chain's head block number.
func (c *Client) head(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	n, err := c.b.BlockNumber(ctx)
	if err != nil {
		return 0, endpointErr("eth_blockNumber", err)
	}
	return n, nil
}

// hashAt returns the hash of the canonical block at number.
func (c *Client) hashAt(ctx context.Context, number uint64) (feeshare.Hash, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	h, err := c.b.HeaderByNumber(ctx, new(big.Int).SetUint64(number))
	if errors.Is(err, ethereum.NotFound) {
		// Not an endpoint failure: the chain is shorter now.
		return feeshare.Hash{}, fmt.Errorf("block %d: %w", number, errNotFound)
	}
	if err != nil {
		return feeshare.Hash{}, endpointErr(fmt.Sprintf("eth_getBlockByNumber(%d)", number), err)
	}
	return feeshare.Hash(h.Hash()), nil
}

// block reads the canonical block at number with its transactions'
// receipts.
//
// Errors: ErrEndpoint, ErrBlockTxs, ErrInconsistent.
func (c *Client) block(ctx context.Context, number uint64) (feeshare.Block, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	blk, err := c.b.BlockByNumber(ctx, new(big.Int).SetUint64(number))
	if err != nil {
		return feeshare.Block{}, endpointErr(fmt.Sprintf("eth_getBlockByNumber(%d)", number), err)
	}
	txs := blk.Transactions()
	if len(txs) > TxsPerBlockMax {
		return feeshare.Block{}, errcode.Errorf(ErrBlockTxs, "block %d has %d transactions; the watcher reads at most %d", number, len(txs), TxsPerBlockMax)
	}
	receipts, err := c.receipts(ctx, blk)
	if err != nil {
		return feeshare.Block{}, err
	}
	out := feeshare.Block{
		Number: blk.NumberU64(),
		Hash:   feeshare.Hash(blk.Hash()),
		Parent: feeshare.Hash(blk.ParentHash()),
		Time:   time.Unix(int64(blk.Time()), 0).UTC(),
		Txs:    make([]feeshare.Tx, len(txs)),
	}
	if bf := blk.BaseFee(); bf != nil {
		// nil before London: nothing to burn.
		v, overflow := uint256.FromBig(bf)
		if overflow || bf.Sign() < 0 {
			return feeshare.Block{}, errcode.Errorf(ErrInconsistent, "block %d has base fee %s outside 0..2^256-1", number, bf)
		}
		out.BaseFee = money.FromUint256(v)
	}
	for i, tx := range txs {
		r := receipts[i]
		if r.TxHash != tx.Hash() || r.BlockHash != blk.Hash() {
			return feeshare.Block{}, errcode.Errorf(ErrInconsistent, "receipt %d of block %d (%s) is for tx %s in block %s", i, number, blk.Hash(), r.TxHash, r.BlockHash)
		}
		from, err := c.sender(ctx, blk, tx, i)
		if err != nil {
			return feeshare.Block{}, err
		}
		price := r.EffectiveGasPrice
		if price == nil {
			// Receipts from before EIP-1559 carry no effective price;
			// then it is the transaction's gas price.
			price = tx.GasPrice()
		}
		p, overflow := uint256.FromBig(price)
		if overflow || price.Sign() < 0 {
			return feeshare.Block{}, errcode.Errorf(ErrInconsistent, "tx %s has effective gas price %s outside 0..2^256-1", tx.Hash(), price)
		}
		ftx := feeshare.Tx{
			Hash:              feeshare.Hash(tx.Hash()),
			From:              feeshare.Address(from),
			GasUsed:           r.GasUsed,
			EffectiveGasPrice: money.FromUint256(p),
			Success:           r.Status == types.ReceiptStatusSuccessful,
		}
		if to := tx.To(); to != nil {
			a := feeshare.Address(*to)
			ftx.To = &a
		}
		out.Txs[i] = ftx
	}
	return out, nil
}

// sender returns the sender of blk's i-th transaction tx.
func (c *Client) sender(ctx context.Context, blk *types.Block, tx *types.Transaction, i int) (common.Address, error) {
	if ts, ok := c.b.(txSender); ok {
		from, err := ts.TransactionSender(ctx, tx, blk.Hash(), uint(i))
		if err != nil {
			return common.Address{}, endpointErr(fmt.Sprintf("sender of tx %s", tx.Hash()), err)
		}
		return from, nil
	}
	from, err := types.Sender(c.signer, tx)
	if err != nil {
		return common.Address{}, fmt.Errorf("sender of tx %s: %w", tx.Hash(), err)
	}
	return from, nil
}

// receipts returns blk's receipts in transaction order, with one call when
// the backend has eth_getBlockReceipts and one per transaction otherwise.
func (c *Client) receipts(ctx context.Context, blk *types.Block) ([]*types.Receipt, error) {
	txs := blk.Transactions()
	if len(txs) == 0 {
		return nil, nil
	}
	if br, ok := c.b.(blockReceipts); ok {
		rs, err := br.BlockReceipts(ctx, rpc.BlockNumberOrHashWithHash(blk.Hash(), false))
		if err != nil {
			return nil, endpointErr(fmt.Sprintf("eth_getBlockReceipts(%s)", blk.Hash()), err)
		}
		if len(rs) != len(txs) {
			return nil, errcode.Errorf(ErrInconsistent, "block %s has %d transactions but %d receipts", blk.Hash(), len(txs), len(rs))
		}
		return rs, nil
	}
	rs := make([]*types.Receipt, len(txs))
	for i, tx := range txs {
		r, err := c.b.TransactionReceipt(ctx, tx.Hash())
		if err != nil {
			return nil, endpointErr(fmt.Sprintf("eth_getTransactionReceipt(%s)", tx.Hash()), err)
		}
		rs[i] = r
	}
	return rs, nil
}
