package chain

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
)

// ClaimBlocksMax bounds the blocks one ClaimEvents or RootPosts call reads: public
// endpoints refuse eth_getLogs over long ranges (some at 10,000 blocks,
// some at fewer), and bounded steps let a reader far behind return to its
// caller, as the watcher's BlocksPerStepMax does.
const ClaimBlocksMax = 2000

// ErrClaimsRange is a ClaimEvents or RootPosts range that is reversed, longer than
// ClaimBlocksMax, or past the chain's head.
var ErrClaimsRange = errcode.New(errcode.Invalid, "chain_claims_range", "the block range to read claims from is invalid")

// ClaimEvent is one Claimed(account, amount, cumulative) event of the
// claims contract, with where it is on the chain: its block (number and
// hash, as the watcher's cursor names blocks), its transaction and its
// log's index in the block. A reconciler applies it once its block is
// confirmed and reverses it if that block leaves the chain, keyed by Key.
type ClaimEvent struct {
	Block      uint64
	BlockHash  merkle.Hash
	Tx         merkle.Hash
	TxIndex    uint
	LogIndex   uint
	Account    merkle.Address
	Amount     money.Amount // what this claim paid
	Cumulative money.Amount // the account's claimed total after it
}

// Key names the event for an idempotency key: its block's hash and its
// log index, which no other log shares. A claim that a reorganization
// moves to another block has another key there, as the fee-share watcher's
// entries do: reversed where it was, applied where it is, counted once.
func (e ClaimEvent) Key() string { return fmt.Sprintf("claim:%x:%d", e.BlockHash, e.LogIndex) }

// ClaimsInBlock reads the contract's Claimed events of the block with
// hash block, in log order: what a watcher that has read and checked that
// block (its number, its parent) applies with it. Asking by hash, not by
// number, makes the events those of that very block even if the chain
// moves meanwhile.
//
// Errors: ErrEndpoint (also for a block the node does not know),
// ErrInconsistent.
func (c *Claims) ClaimsInBlock(ctx context.Context, block merkle.Hash) ([]ClaimEvent, error) {
	h := common.Hash(block)
	logs, err := c.logs(ctx, "Claimed", ethereum.FilterQuery{BlockHash: &h}, fmt.Sprintf("eth_getLogs(block %s)", block.Hex()))
	if err != nil {
		return nil, err
	}
	for i, l := range logs {
		if l.BlockHash != h {
			return nil, errcode.Errorf(ErrInconsistent, "asked for the logs of block %s, got one of block %s", block.Hex(), l.BlockHash)
		}
		if i > 0 && l.Index <= logs[i-1].Index {
			return nil, errcode.Errorf(ErrInconsistent, "logs of block %s out of order at log %d", block.Hex(), l.Index)
		}
	}
	return c.parseClaims(logs)
}

// ClaimEvents reads the contract's Claimed events of blocks from to to
// (inclusive) on the chain as it is now, in chain order. Each event names
// its block's hash: a reader checks those against the blocks it applied,
// since the range may straddle a reorganization.
//
// Errors: ErrClaimsRange, ErrEndpoint, ErrInconsistent.
func (c *Claims) ClaimEvents(ctx context.Context, from, to uint64) ([]ClaimEvent, error) {
	logs, err := c.rangeLogs(ctx, "Claimed", from, to)
	if err != nil {
		return nil, err
	}
	return c.parseClaims(logs)
}

// rangeLogs reads the contract's logs of event between blocks from and to,
// checking the range first.
func (c *Claims) rangeLogs(ctx context.Context, event string, from, to uint64) ([]types.Log, error) {
	if to < from || to-from >= ClaimBlocksMax {
		return nil, errcode.Errorf(ErrClaimsRange, "blocks %d to %d: want from ≤ to and at most %d blocks", from, to, ClaimBlocksMax)
	}
	head, err := c.head(ctx)
	if err != nil {
		return nil, err
	}
	if to > head {
		return nil, errcode.Errorf(ErrClaimsRange, "blocks %d to %d: the chain's head is block %d", from, to, head)
	}
	q := ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(to)}
	logs, err := c.logs(ctx, event, q, fmt.Sprintf("eth_getLogs(blocks %d-%d)", from, to))
	if err != nil {
		return nil, err
	}
	for i, l := range logs {
		if l.BlockNumber < from || l.BlockNumber > to {
			return nil, errcode.Errorf(ErrInconsistent, "asked for the logs of blocks %d to %d, got one of block %d", from, to, l.BlockNumber)
		}
		if i > 0 && (l.BlockNumber < logs[i-1].BlockNumber || l.BlockNumber == logs[i-1].BlockNumber && l.Index <= logs[i-1].Index) {
			return nil, errcode.Errorf(ErrInconsistent, "logs out of chain order at block %d log %d", l.BlockNumber, l.Index)
		}
	}
	return logs, nil
}

// RootPost is one RootPosted(batch, root, total) event: where a batch's
// root was published.
type RootPost struct {
	Batch   uint64
	Root    merkle.Hash
	Total   money.Amount
	Receipt TxReceipt // without GasUsed, which a log does not carry
}

// RootPosts reads the contract's RootPosted events of blocks from to to
// (inclusive), in chain order: how a publisher that stopped after sending
// a root, before it recorded the transaction, finds its public receipt.
//
// Errors: ErrClaimsRange, ErrEndpoint, ErrInconsistent.
func (c *Claims) RootPosts(ctx context.Context, from, to uint64) ([]RootPost, error) {
	logs, err := c.rangeLogs(ctx, "RootPosted", from, to)
	if err != nil {
		return nil, err
	}
	ev := abis().claims.Events["RootPosted"]
	out := make([]RootPost, 0, len(logs))
	for _, l := range logs {
		if err := c.checkLog(l, ev.ID); err != nil {
			return nil, err
		}
		vals, err := ev.Inputs.NonIndexed().Unpack(l.Data)
		if err != nil {
			return nil, errcode.Errorf(ErrInconsistent, "RootPosted log %d of tx %s has data that does not decode: %v", l.Index, l.TxHash, err)
		}
		total, err := amountOf(vals[1].(*big.Int))
		if err != nil {
			return nil, err
		}
		batch := new(big.Int).SetBytes(l.Topics[1].Bytes())
		if !batch.IsUint64() {
			return nil, errcode.Errorf(ErrInconsistent, "RootPosted log %d of tx %s names batch %s, past uint64", l.Index, l.TxHash, batch)
		}
		out = append(out, RootPost{
			Batch: batch.Uint64(), Root: merkle.Hash(vals[0].([32]byte)), Total: total,
			Receipt: TxReceipt{Tx: merkle.Hash(l.TxHash), Block: l.BlockNumber, BlockHash: merkle.Hash(l.BlockHash)},
		})
	}
	return out, nil
}

func (c *Claims) head(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	n, err := c.tx.b.BlockNumber(ctx)
	if err != nil {
		return 0, endpointErr("eth_blockNumber", err)
	}
	return n, nil
}

func (c *Claims) logs(ctx context.Context, event string, q ethereum.FilterQuery, call string) ([]types.Log, error) {
	q.Addresses = []common.Address{c.address}
	q.Topics = [][]common.Hash{{abis().claims.Events[event].ID}}
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	logs, err := c.tx.b.FilterLogs(ctx, q)
	if err != nil {
		return nil, endpointErr(call, err)
	}
	return logs, nil
}

// parseClaims decodes Claimed logs.
func (c *Claims) parseClaims(logs []types.Log) ([]ClaimEvent, error) {
	ev := abis().claims.Events["Claimed"]
	out := make([]ClaimEvent, 0, len(logs))
	for _, l := range logs {
		if err := c.checkLog(l, ev.ID); err != nil {
			return nil, err
		}
		vals, err := ev.Inputs.NonIndexed().Unpack(l.Data)
		if err != nil {
			return nil, errcode.Errorf(ErrInconsistent, "Claimed log %d of tx %s has data that does not decode: %v", l.Index, l.TxHash, err)
		}
		amount, err := amountOf(vals[0].(*big.Int))
		if err != nil {
			return nil, err
		}
		cumulative, err := amountOf(vals[1].(*big.Int))
		if err != nil {
			return nil, err
		}
		out = append(out, ClaimEvent{
			Block: l.BlockNumber, BlockHash: merkle.Hash(l.BlockHash), Tx: merkle.Hash(l.TxHash), TxIndex: l.TxIndex, LogIndex: l.Index,
			Account: merkle.Address(common.BytesToAddress(l.Topics[1].Bytes())), Amount: amount, Cumulative: cumulative,
		})
	}
	return out, nil
}

// checkLog refuses a log that is not event id of this contract with one
// indexed argument, or that the node marks removed.
func (c *Claims) checkLog(l types.Log, id common.Hash) error {
	if l.Address != c.address || len(l.Topics) != 2 || l.Topics[0] != id || l.Removed {
		return errcode.Errorf(ErrInconsistent, "log %d of tx %s is not the expected event of %s on the chain", l.Index, l.TxHash, c.address.Hex())
	}
	return nil
}
