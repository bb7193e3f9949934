package chain

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/payout/merkle"
)

// transactor signs, sends and reads contract calls on one chain.
type transactor struct {
	b       ClaimsBackend
	chainID *big.Int
}

func newTransactor(ctx context.Context, b ClaimsBackend) (transactor, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	id, err := b.ChainID(ctx)
	if err != nil {
		return transactor{}, endpointErr("eth_chainId", err)
	}
	return transactor{b: b, chainID: id}, nil
}

// send sends a call of data to to from key.
func (t transactor) send(ctx context.Context, key *ecdsa.PrivateKey, to common.Address, data []byte) (merkle.Hash, error) {
	h, _, err := t.sendTx(ctx, key, &to, data)
	return h, err
}

// deploy sends code as a contract creation from key and returns the
// address the contract will have.
func (t transactor) deploy(ctx context.Context, key *ecdsa.PrivateKey, code []byte) (merkle.Hash, common.Address, error) {
	h, nonce, err := t.sendTx(ctx, key, nil, code)
	if err != nil {
		return merkle.Hash{}, common.Address{}, err
	}
	return h, crypto.CreateAddress(crypto.PubkeyToAddress(key.PublicKey), nonce), nil
}

// gasHeadroom is added to the estimate, in quarters of it: an estimate is
// exact for the state it ran on, and the state a block runs on may differ.
const gasHeadroom = 4

// sendTx estimates, signs and sends an EIP-1559 transaction with the
// sender's pending nonce, which it returns. A call the contract refuses
// fails the estimate, and nothing is sent.
func (t transactor) sendTx(ctx context.Context, key *ecdsa.PrivateKey, to *common.Address, data []byte) (merkle.Hash, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := t.b.PendingNonceAt(ctx, from)
	if err != nil {
		return merkle.Hash{}, 0, endpointErr("eth_getTransactionCount", err)
	}
	gas, err := t.b.EstimateGas(ctx, ethereum.CallMsg{From: from, To: to, Data: data})
	if err != nil {
		return merkle.Hash{}, 0, callErr("eth_estimateGas", err)
	}
	tip, err := t.b.SuggestGasTipCap(ctx)
	if err != nil {
		return merkle.Hash{}, 0, endpointErr("eth_maxPriorityFeePerGas", err)
	}
	head, err := t.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return merkle.Hash{}, 0, endpointErr("eth_getBlockByNumber(latest)", err)
	}
	if head.BaseFee == nil {
		return merkle.Hash{}, 0, errcode.Errorf(ErrEndpoint, "the chain's head block %d has no base fee: the chain predates EIP-1559, which sending needs", head.Number)
	}
	// Twice the base fee leaves room for six full blocks of base-fee rises.
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(t.chainID), &types.DynamicFeeTx{
		ChainID: t.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: gas + gas/gasHeadroom, To: to, Data: data,
	})
	if err != nil {
		return merkle.Hash{}, 0, fmt.Errorf("signing: %w", err)
	}
	if err := t.b.SendTransaction(ctx, tx); err != nil {
		return merkle.Hash{}, 0, callErr("eth_sendRawTransaction", err)
	}
	return merkle.Hash(tx.Hash()), nonce, nil
}

// call runs method of contract a at address at the chain's head and
// unpacks its results.
func (t transactor) call(ctx context.Context, a abi.ABI, address common.Address, method string, args ...any) ([]any, error) {
	data, err := a.Pack(method, args...)
	if err != nil {
		return nil, fmt.Errorf("packing %s: %w", method, err)
	}
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	out, err := t.b.CallContract(ctx, ethereum.CallMsg{To: &address, Data: data}, nil)
	if err != nil {
		return nil, callErr("eth_call("+method+")", err)
	}
	vals, err := a.Unpack(method, out)
	if err != nil {
		return nil, errcode.Errorf(ErrInconsistent, "%s at %s answered %d bytes that are not its results (%v): is the contract there?", method, address.Hex(), len(out), err)
	}
	return vals, nil
}

// wait polls for tx's receipt until it is mined or ctx ends.
func (t transactor) wait(ctx context.Context, tx merkle.Hash, poll time.Duration) (TxReceipt, error) {
	for {
		r, err := t.receipt(ctx, tx)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) {
			return TxReceipt{}, err
		}
		timer := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			timer.Stop()
			return TxReceipt{}, fmt.Errorf("waiting for tx %s: %w", tx.Hex(), ctx.Err())
		case <-timer.C:
		}
	}
}

// receipt reads tx's receipt: ethereum.NotFound while it is not mined.
func (t transactor) receipt(ctx context.Context, tx merkle.Hash) (TxReceipt, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	r, err := t.b.TransactionReceipt(ctx, common.Hash(tx))
	if errors.Is(err, ethereum.NotFound) {
		return TxReceipt{}, err
	}
	if err != nil {
		return TxReceipt{}, endpointErr("eth_getTransactionReceipt", err)
	}
	out := TxReceipt{Tx: tx, Block: r.BlockNumber.Uint64(), BlockHash: merkle.Hash(r.BlockHash), GasUsed: r.GasUsed}
	if r.Status != types.ReceiptStatusSuccessful {
		return out, errcode.Errorf(ErrTxFailed, "tx %s failed in block %d after %d gas: the contract reverted when it ran (the chain changed since the estimate, or the gas limit was too low)", tx.Hex(), out.Block, r.GasUsed)
	}
	return out, nil
}

// Revert is a call a contract refused, named by its Solidity error. It
// unwraps to ErrReverted.
type Revert struct {
	// Name is the error's name: for the claims contract InvalidProof,
	// NothingToClaim, NotOperator, BatchNotAfter, Underfunded or
	// ZeroAddress; SafeERC20FailedOperation or an ERC-6093 error (such as
	// ERC20InsufficientBalance) from its token; Error for a reason string,
	// Panic for a panic, "" when the contract gave none.
	Name string
	// Reason is the error with its arguments, as in
	// NothingToClaim(cumulative=5, claimed=5).
	Reason string
}

func (r *Revert) Error() string { return "the contract reverted with " + r.Reason }

// Unwrap makes errors.Is(err, ErrReverted) and errcode.Code hold.
func (r *Revert) Unwrap() error { return ErrReverted }

// callErr is a failed call: a *Revert when the node says the contract
// reverted, else an ErrEndpoint.
func callErr(call string, err error) error {
	if r, ok := revertOf(err); ok {
		return r
	}
	return endpointErr(call, err)
}

func revertOf(err error) (*Revert, bool) {
	var de rpc.DataError
	if errors.As(err, &de) {
		if s, ok := de.ErrorData().(string); ok {
			if data, err := hexutil.Decode(s); err == nil {
				return decodeRevert(data), true
			}
		}
	}
	if strings.Contains(err.Error(), "execution reverted") {
		return &Revert{Reason: "no reason given"}, true
	}
	return nil, false
}

// decodeRevert names revert data by the claims contract's errors, then
// the token's, then Solidity's Error(string) and Panic(uint256).
func decodeRevert(data []byte) *Revert {
	if len(data) < 4 {
		return &Revert{Reason: "no reason given"}
	}
	as := abis()
	for _, a := range []abi.ABI{as.claims, as.token} {
		for _, e := range a.Errors {
			if !bytes.Equal(data[:4], e.ID[:4]) {
				continue
			}
			vals, err := e.Unpack(data)
			if err != nil {
				break
			}
			return &Revert{Name: e.Name, Reason: e.Name + "(" + formatArgs(e.Inputs, vals.([]any)) + ")"}
		}
	}
	if reason, err := abi.UnpackRevert(data); err == nil {
		if bytes.Equal(data[:4], panicSelector) {
			return &Revert{Name: "Panic", Reason: fmt.Sprintf("Panic(%q)", reason)}
		}
		return &Revert{Name: "Error", Reason: fmt.Sprintf("Error(%q)", reason)}
	}
	return &Revert{Name: "", Reason: fmt.Sprintf("an unknown error %#x", data)}
}

// panicSelector is the selector of Solidity's Panic(uint256).
var panicSelector = crypto.Keccak256([]byte("Panic(uint256)"))[:4]

func formatArgs(inputs abi.Arguments, vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case common.Address:
			v = x.Hex()
		case *big.Int:
			v = x.String()
		}
		parts[i] = fmt.Sprintf("%s=%v", inputs[i].Name, v)
	}
	return strings.Join(parts, ", ")
}
