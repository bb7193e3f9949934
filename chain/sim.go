package chain

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// Hand-assembled EVM code for the fee-share scenario (there is no Solidity
// compiler here, and the contracts are small enough to read as opcodes).
const (
	opStop         = 0x00
	opIsZero       = 0x15
	opCallDataSize = 0x36
	opCodeCopy     = 0x39
	opPop          = 0x50
	opJumpI        = 0x57
	opJumpDest     = 0x5b
	opPush1        = 0x60
	opCreate       = 0xf0
	opReturn       = 0xf3
	opRevert       = 0xfd
)

// TargetRuntime is the runtime code of the contract whose fees are shared:
// a call without calldata succeeds, a call with calldata reverts, so tests
// can send failing transactions to it.
//
//	CALLDATASIZE ISZERO PUSH1 10 JUMPI   ; no calldata: jump to STOP
//	PUSH1 0 PUSH1 0 REVERT               ; calldata: revert
//	JUMPDEST STOP
var TargetRuntime = []byte{opCallDataSize, opIsZero, opPush1, 10, opJumpI, opPush1, 0, opPush1, 0, opRevert, opJumpDest, opStop}

// InitCode returns creation code that deploys runtime: it copies the
// runtime, which follows the 12 bytes of the copier, to memory and returns
// it.
//
//	PUSH1 len PUSH1 12 PUSH1 0 CODECOPY   ; memory[0:len] = code[12:12+len]
//	PUSH1 len PUSH1 0 RETURN              ; deploy memory[0:len]
func InitCode(runtime []byte) []byte {
	const prefix = 12
	if len(runtime) > 255 {
		panic(fmt.Sprintf("chain: runtime of %d bytes does not fit the one-byte copier", len(runtime)))
	}
	n := byte(len(runtime))
	code := []byte{opPush1, n, opPush1, prefix, opPush1, 0, opCodeCopy, opPush1, n, opPush1, 0, opReturn}
	return append(code, runtime...)
}

// FactoryRuntime returns the runtime code of a factory: every call creates
// a new contract from childInit (carried at the end of the factory's own
// code) with CREATE, so the child's address derives from the factory's
// address and nonce.
//
//	PUSH1 len PUSH1 16 PUSH1 0 CODECOPY   ; memory[0:len] = childInit
//	PUSH1 len PUSH1 0 PUSH1 0 CREATE POP  ; CREATE(value 0, memory[0:len])
//	STOP
func FactoryRuntime(childInit []byte) []byte {
	const prefix = 16
	if len(childInit) > 255 {
		panic(fmt.Sprintf("chain: child init code of %d bytes does not fit the one-byte copier", len(childInit)))
	}
	n := byte(len(childInit))
	code := []byte{opPush1, n, opPush1, prefix, opPush1, 0, opCodeCopy, opPush1, n, opPush1, 0, opPush1, 0, opCreate, opPop, opStop}
	return append(code, childInit...)
}

// Sim is an in-process EVM chain — go-ethereum's simulated backend, a real
// EVM that seals a block on Commit — with a Client over it, for tests and
// the demo.
type Sim struct {
	Backend *simulated.Backend
	Client  *Client
	rpc     simulated.Client
	// TipCap is the priority fee per gas of the transactions Send makes.
	TipCap *big.Int
	// nonces are the next nonce of each sender: the pool's pending nonce
	// lags behind transactions sent in quick succession.
	nonces map[common.Address]uint64
}

// simGasFeeCap is the fee cap of Send's transactions, far above the
// simulated chain's base fee so that they are always included.
var simGasFeeCap = big.NewInt(1_000_000_000_000)

// NewSim starts a simulated chain on which every key's account holds 10^24
// wei.
func NewSim(ctx context.Context, keys ...*ecdsa.PrivateKey) (*Sim, error) {
	return newSim(ctx, nil, keys)
}

// NewSimHTTP is NewSim with the chain also served over JSON-RPC on
// http://127.0.0.1:port, as a remote node would be, for Dial and for
// `tributary serve --chain-rpc`.
func NewSimHTTP(ctx context.Context, port int, keys ...*ecdsa.PrivateKey) (*Sim, error) {
	return newSim(ctx, func(n *node.Config, _ *ethconfig.Config) {
		n.HTTPHost, n.HTTPPort, n.HTTPModules = "127.0.0.1", port, []string{"eth", "net", "web3"}
	}, keys)
}

func newSim(ctx context.Context, opt func(*node.Config, *ethconfig.Config), keys []*ecdsa.PrivateKey) (*Sim, error) {
	alloc := types.GenesisAlloc{}
	for _, k := range keys {
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: new(big.Int).Exp(big.NewInt(10), big.NewInt(24), nil)}
	}
	var opts []func(*node.Config, *ethconfig.Config)
	if opt != nil {
		opts = append(opts, opt)
	}
	b := simulated.NewBackend(alloc, opts...)
	c, err := New(ctx, b.Client())
	if err != nil {
		b.Close()
		return nil, err
	}
	// An odd tip makes the fees odd, so halving them has a remainder.
	return &Sim{Backend: b, Client: c, rpc: b.Client(), TipCap: big.NewInt(1_000_000_007), nonces: map[common.Address]uint64{}}, nil
}

// Close stops the chain.
func (s *Sim) Close() error { return s.Backend.Close() }

// Commit seals the pending transactions into a block and returns its hash.
func (s *Sim) Commit() feeshare.Hash { return feeshare.Hash(s.Backend.Commit()) }

// Send signs and submits a transaction from key to to (nil: create a
// contract with data as init code), with key's next pending nonce, and
// returns its hash. It is included at the next Commit. Sim is not safe for
// concurrent use.
func (s *Sim) Send(ctx context.Context, key *ecdsa.PrivateKey, to *feeshare.Address, data []byte, gas uint64) (feeshare.Hash, error) {
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, ok := s.nonces[from]
	if !ok {
		n, err := s.rpc.PendingNonceAt(ctx, from)
		if err != nil {
			return feeshare.Hash{}, err
		}
		nonce = n
	}
	var dest *common.Address
	if to != nil {
		a := common.Address(*to)
		dest = &a
	}
	id := new(big.Int).SetUint64(s.Client.ChainID())
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(id), &types.DynamicFeeTx{
		ChainID: id, Nonce: nonce, GasTipCap: s.TipCap, GasFeeCap: simGasFeeCap, Gas: gas, To: dest, Data: data,
	})
	if err != nil {
		return feeshare.Hash{}, err
	}
	if err := s.rpc.SendTransaction(ctx, tx); err != nil {
		return feeshare.Hash{}, fmt.Errorf("sending tx with nonce %d from %s: %w", nonce, from, err)
	}
	s.nonces[from] = nonce + 1
	return feeshare.Hash(tx.Hash()), nil
}

// settleMax bounds the blocks Settle commits.
const settleMax = 100

// Settle commits blocks until every transaction Send made is mined: under
// load the block builder may run out of time and leave some for the next
// block.
func (s *Sim) Settle(ctx context.Context) error {
	for range settleMax {
		mined := true
		for addr, next := range s.nonces {
			n, err := s.rpc.NonceAt(ctx, addr, nil)
			if err != nil {
				return err
			}
			if n < next {
				mined = false
				break
			}
		}
		if mined {
			return nil
		}
		s.Commit()
	}
	return fmt.Errorf("chain: transactions still pending after %d blocks", settleMax)
}

// commitAll commits a block and then whatever the builder left pending,
// so that the next stage sees every transaction sent so far mined.
func (s *Sim) commitAll(ctx context.Context) error {
	s.Commit()
	return s.Settle(ctx)
}

// TxFee is what a transaction's receipt says about its fee.
type TxFee struct {
	Block             uint64
	GasUsed           uint64
	EffectiveGasPrice money.Amount
	Fee               money.Amount // GasUsed × EffectiveGasPrice
	Success           bool
}

// Fee reads a mined transaction's receipt.
func (s *Sim) Fee(ctx context.Context, h feeshare.Hash) (TxFee, error) {
	r, err := s.rpc.TransactionReceipt(ctx, common.Hash(h))
	if err != nil {
		return TxFee{}, fmt.Errorf("receipt of %s: %w", h, err)
	}
	price, overflow := uint256.FromBig(r.EffectiveGasPrice)
	if overflow {
		return TxFee{}, fmt.Errorf("receipt of %s: effective gas price %s overflows", h, r.EffectiveGasPrice)
	}
	fee, _, err := money.FromUint256(price).MulDiv(r.GasUsed, 1)
	if err != nil {
		return TxFee{}, err
	}
	return TxFee{Block: r.BlockNumber.Uint64(), GasUsed: r.GasUsed, EffectiveGasPrice: money.FromUint256(price), Fee: fee, Success: r.Status == types.ReceiptStatusSuccessful}, nil
}

// DemoKey derives a private key from a label: keccak256(label) as the
// secret. For demos and tests only — anyone can derive it.
func DemoKey(label string) *ecdsa.PrivateKey {
	k, err := crypto.ToECDSA(crypto.Keccak256([]byte(label)))
	if err != nil {
		panic(fmt.Sprintf("chain: key from label %q: %v", label, err)) // a keccak output is a valid key but with negligible probability
	}
	return k
}

// Head returns the head block's number and hash.
func (s *Sim) Head(ctx context.Context) (feeshare.BlockRef, error) {
	h, err := s.rpc.HeaderByNumber(ctx, nil)
	if err != nil {
		return feeshare.BlockRef{}, err
	}
	return feeshare.BlockRef{Number: h.Number.Uint64(), Hash: feeshare.Hash(h.Hash())}, nil
}

// CreateAddress is the address a CREATE by deployer at nonce gets.
func CreateAddress(deployer feeshare.Address, nonce uint64) feeshare.Address {
	return feeshare.Address(crypto.CreateAddress(common.Address(deployer), nonce))
}

// KeyAddress is the account address of a private key.
func KeyAddress(k *ecdsa.PrivateKey) feeshare.Address {
	return feeshare.Address(crypto.PubkeyToAddress(k.PublicKey))
}

// FactoryPath is the seed's creation path on the simulated chain: the
// deployer created FactoryA, FactoryA created FactoryB, FactoryB created
// Contract, at Nonces.
type FactoryPath struct {
	FactoryA, FactoryB, Contract feeshare.Address
	Nonces                       []uint64
}

// simGas is the gas limit of the scenario's transactions, ample for a
// CREATE of these small contracts.
const simGas = 300_000

// DeployFactoryPath builds deployer → FactoryA → FactoryB → Contract, where
// Contract runs TargetRuntime. The deployer first sends two plain
// transfers, so FactoryA is created at its nonce 2; FactoryA is called
// twice, so the FactoryB used is its second child (nonce 2; contract nonces
// start at 1, EIP-161); FactoryB is called once, so Contract is its first
// child (nonce 1). The path is [2, 2, 1], and the deployer has sent 6
// transactions. It commits a block after each stage.
func (s *Sim) DeployFactoryPath(ctx context.Context, key *ecdsa.PrivateKey) (FactoryPath, error) {
	deployer := KeyAddress(key)
	sink := feeshare.Address{0xee}
	send := func(to *feeshare.Address, data []byte) error {
		_, err := s.Send(ctx, key, to, data, simGas)
		return err
	}
	for range 2 {
		if err := send(&sink, nil); err != nil {
			return FactoryPath{}, err
		}
	}
	contractInit := InitCode(TargetRuntime)
	factoryBInit := InitCode(FactoryRuntime(contractInit))
	factoryAInit := InitCode(FactoryRuntime(factoryBInit))
	if err := send(nil, factoryAInit); err != nil {
		return FactoryPath{}, err
	}
	if err := s.commitAll(ctx); err != nil {
		return FactoryPath{}, err
	}
	p := FactoryPath{Nonces: []uint64{2, 2, 1}}
	p.FactoryA = CreateAddress(deployer, 2)
	for range 2 {
		if err := send(&p.FactoryA, nil); err != nil {
			return FactoryPath{}, err
		}
	}
	if err := s.commitAll(ctx); err != nil {
		return FactoryPath{}, err
	}
	p.FactoryB = CreateAddress(p.FactoryA, 2)
	if err := send(&p.FactoryB, nil); err != nil {
		return FactoryPath{}, err
	}
	if err := s.commitAll(ctx); err != nil {
		return FactoryPath{}, err
	}
	p.Contract = CreateAddress(p.FactoryB, 1)
	return p, nil
}
