package chain

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/contracts"
	"github.com/tributary-ledger/tributary/payout/merkle"
)

// Claims contract errors.
var (
	// ErrClaimsCode is an address that does not hold the claims contract's
	// committed runtime code: another contract, another build, or nothing.
	ErrClaimsCode = errcode.New(errcode.Unprocessable, "chain_claims_code_mismatch", "the address does not hold the claims contract's code")
	// ErrReverted is a call the contract refused when it was estimated:
	// nothing was sent. errors.As to *Revert names the contract's error.
	ErrReverted = errcode.New(errcode.Unprocessable, "chain_call_reverted", "the contract refused the call")
	// ErrTxFailed is a transaction that was mined and failed: it paid for
	// its gas and changed nothing else.
	ErrTxFailed = errcode.New(errcode.Unprocessable, "chain_tx_failed", "the transaction was mined but failed")
)

// ClaimsBackend is what the claims contract's calls need of a JSON-RPC
// endpoint; go-ethereum's *ethclient.Client and the simulated backend's
// client have it.
type ClaimsBackend interface {
	ChainID(ctx context.Context) (*big.Int, error)
	BlockNumber(ctx context.Context) (uint64, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error)
	CallContract(ctx context.Context, call ethereum.CallMsg, blockNumber *big.Int) ([]byte, error)
	EstimateGas(ctx context.Context, call ethereum.CallMsg) (uint64, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
}

// DialClaims connects to a JSON-RPC endpoint for the claims contract's
// calls.
//
// Errors: ErrEndpoint.
func DialClaims(ctx context.Context, url string) (ClaimsBackend, error) {
	c, err := ethclient.DialContext(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("%w: connecting to %s: %w", ErrEndpoint, url, err)
	}
	return c, nil
}

// ClaimsBackend is the simulated chain as a ClaimsBackend.
func (s *Sim) ClaimsBackend() ClaimsBackend { return s.rpc }

// abis parses the committed ABIs once. The claims contract's errors come
// first when a revert is decoded; the test token's ABI adds the standard
// ERC-20 errors (ERC-6093) that a token's transfer may bubble up.
var abis = sync.OnceValue(func() struct{ claims, token abi.ABI } {
	parse := func(name, s string) abi.ABI {
		a, err := abi.JSON(strings.NewReader(s))
		if err != nil {
			panic(fmt.Sprintf("chain: the committed ABI of %s does not parse: %v", name, err))
		}
		return a
	}
	return struct{ claims, token abi.ABI }{parse("TributaryClaims", contracts.Claims().ABI), parse("TestToken", contracts.TestToken().ABI)}
})

// TxReceipt is a mined transaction: for a posted root, the batch's public
// receipt, which anyone can look up on the chain.
type TxReceipt struct {
	Tx        merkle.Hash
	Block     uint64
	BlockHash merkle.Hash
	GasUsed   uint64
}

// Claims is a deployed claims contract whose code has been checked.
type Claims struct {
	tx      transactor
	address common.Address
}

// DeployClaims sends the deployment of a claims contract paying token,
// with operator as the only address that may post roots, from key. The
// contract is at the returned address once the returned transaction is
// mined (Wait).
//
// Errors: ErrReverted (ZeroAddress for a zero token or operator),
// ErrEndpoint.
func DeployClaims(ctx context.Context, b ClaimsBackend, key *ecdsa.PrivateKey, token, operator merkle.Address) (*Claims, merkle.Hash, error) {
	tx, err := newTransactor(ctx, b)
	if err != nil {
		return nil, merkle.Hash{}, err
	}
	args, err := abis().claims.Pack("", common.Address(token), common.Address(operator))
	if err != nil {
		return nil, merkle.Hash{}, fmt.Errorf("packing the claims contract's constructor: %w", err)
	}
	h, addr, err := tx.deploy(ctx, key, append(contracts.Claims().Bin, args...))
	if err != nil {
		return nil, merkle.Hash{}, fmt.Errorf("deploying the claims contract: %w", err)
	}
	return &Claims{tx: tx, address: addr}, h, nil
}

// AttachClaims returns the claims contract at address after checking that
// the code there, at the chain's head, is the committed runtime code byte
// for byte.
//
// Errors: ErrClaimsCode, ErrEndpoint.
func AttachClaims(ctx context.Context, b ClaimsBackend, address merkle.Address) (*Claims, error) {
	tx, err := newTransactor(ctx, b)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	code, err := b.CodeAt(ctx, common.Address(address), nil)
	if err != nil {
		return nil, endpointErr("eth_getCode", err)
	}
	if want := contracts.Claims().Runtime; !bytes.Equal(code, want) {
		if len(code) == 0 {
			return nil, errcode.Errorf(ErrClaimsCode, "%s holds no code: no contract is deployed there (or its deployment is not mined yet)", address.Hex())
		}
		return nil, errcode.Errorf(ErrClaimsCode, "%s holds %d bytes of code that are not the claims contract's %d (keccak %x, want %x): another contract, or another build of it", address.Hex(), len(code), len(want), crypto.Keccak256(code)[:8], crypto.Keccak256(want)[:8])
	}
	return &Claims{tx: tx, address: common.Address(address)}, nil
}

// Address is the contract's address.
func (c *Claims) Address() merkle.Address { return merkle.Address(c.address) }

// PostRoot sends the root of batch number batch, which must be greater
// than the contract's current batch, with total, the sum of the tree's
// cumulative amounts, from key, which must be the operator's. The contract
// refuses a root it could not pay in full: fund it first (an ERC-20
// transfer to its address).
//
// Errors: ErrReverted (NotOperator, BatchNotAfter, Underfunded),
// ErrEndpoint.
func (c *Claims) PostRoot(ctx context.Context, key *ecdsa.PrivateKey, batch uint64, root merkle.Hash, total money.Amount) (merkle.Hash, error) {
	data, err := abis().claims.Pack("postRoot", batch, [32]byte(root), total.Uint256().ToBig())
	if err != nil {
		return merkle.Hash{}, fmt.Errorf("packing postRoot: %w", err)
	}
	h, err := c.tx.send(ctx, key, c.address, data)
	if err != nil {
		return merkle.Hash{}, fmt.Errorf("posting root %s of batch %d: %w", root.Hex(), batch, err)
	}
	return h, nil
}

// Claim sends p's claim from key: the contract pays p.Leaf.Account its
// cumulative amount less what it has claimed. Anyone may send it; the
// tokens go to the account.
//
// Errors: ErrReverted (InvalidProof for a proof that is not under the
// current root, NothingToClaim when everything was claimed), ErrEndpoint.
func (c *Claims) Claim(ctx context.Context, key *ecdsa.PrivateKey, p merkle.Proof) (merkle.Hash, error) {
	data, err := ClaimCalldata(p)
	if err != nil {
		return merkle.Hash{}, err
	}
	h, err := c.tx.send(ctx, key, c.address, data)
	if err != nil {
		return merkle.Hash{}, fmt.Errorf("claiming %s for %s: %w", p.Leaf.Cumulative, p.Leaf.Account.Hex(), err)
	}
	return h, nil
}

// ClaimCalldata is the calldata of p's claim, for a wallet or a relayer
// to send.
func ClaimCalldata(p merkle.Proof) ([]byte, error) {
	proof := make([][32]byte, len(p.Hashes))
	for i, h := range p.Hashes {
		proof[i] = h
	}
	data, err := abis().claims.Pack("claim", common.Address(p.Leaf.Account), p.Leaf.Cumulative.Uint256().ToBig(), proof)
	if err != nil {
		return nil, fmt.Errorf("packing claim: %w", err)
	}
	return data, nil
}

// Posted is the contract's latest root and its batch; zero before the
// first.
type Posted struct {
	Batch uint64
	Root  merkle.Hash
}

// Root reads the latest posted root and batch at the chain's head.
//
// Errors: ErrEndpoint.
func (c *Claims) Root(ctx context.Context) (Posted, error) {
	batch, err := c.call(ctx, "batch")
	if err != nil {
		return Posted{}, err
	}
	root, err := c.call(ctx, "root")
	if err != nil {
		return Posted{}, err
	}
	return Posted{Batch: batch[0].(uint64), Root: merkle.Hash(root[0].([32]byte))}, nil
}

// Claimed reads what account has claimed so far (its cumulative amount at
// its last claim) at the chain's head.
//
// Errors: ErrEndpoint.
func (c *Claims) Claimed(ctx context.Context, account merkle.Address) (money.Amount, error) {
	out, err := c.call(ctx, "claimed", common.Address(account))
	if err != nil {
		return money.Zero, err
	}
	return amountOf(out[0].(*big.Int))
}

// Token and Operator read the addresses the contract was deployed with.
//
// Errors: ErrEndpoint.
func (c *Claims) Token(ctx context.Context) (merkle.Address, error) { return c.address1(ctx, "token") }

// Operator: see Token.
func (c *Claims) Operator(ctx context.Context) (merkle.Address, error) {
	return c.address1(ctx, "operator")
}

func (c *Claims) address1(ctx context.Context, method string) (merkle.Address, error) {
	out, err := c.call(ctx, method)
	if err != nil {
		return merkle.Address{}, err
	}
	return merkle.Address(out[0].(common.Address)), nil
}

// call runs a view function at the chain's head and unpacks its results.
func (c *Claims) call(ctx context.Context, method string, args ...any) ([]any, error) {
	return c.tx.call(ctx, abis().claims, c.address, method, args...)
}

// Wait waits for tx to be mined, polling every poll, and returns its
// receipt. A failed transaction is ErrTxFailed.
//
// Errors: ErrTxFailed, ErrEndpoint, and ctx's error.
func (c *Claims) Wait(ctx context.Context, tx merkle.Hash, poll time.Duration) (TxReceipt, error) {
	return c.tx.wait(ctx, tx, poll)
}

// amountOf converts a uint256 the ABI decoded.
func amountOf(x *big.Int) (money.Amount, error) {
	v, overflow := uint256.FromBig(x)
	if overflow || x.Sign() < 0 {
		return money.Zero, errcode.Errorf(ErrInconsistent, "the contract answered %s, outside 0..2^256-1", x)
	}
	return money.FromUint256(v), nil
}
