// Package feeshare is Evmos' x/revenue as a program: developers register
// the contracts they deployed and earn a share of the transaction fees those
// contracts' transactions pay; the validators get the rest.
package feeshare

import (
	"time"

	"github.com/tributary-ledger/tributary/money"
)

// Address is a 20-byte account or contract address.
type Address [20]byte

// Hash is a 32-byte block or transaction hash.
type Hash [32]byte

// Facts are what the chain says, at its head, about a registration's
// deployer and contract.
type Facts struct {
	DeployerNonce   uint64 // transactions sent by the deployer
	DeployerHasCode bool   // the deployer is a contract, not an EOA
	ContractHasCode bool
	Head            uint64 // the chain's head block when the facts were read
}

// Request is what a deployer signs (EIP-712) to register, update or cancel.
type Request struct {
	Action     string // "register", "update" or "cancel"
	Contract   Address
	Deployer   Address
	Withdrawer *Address // nil when none
	Nonces     []uint64 // register only: the CREATE nonces from deployer to contract
	ChainID    uint64
	Expiry     int64  // unix seconds after which the signature is refused
	Nonce      uint64 // the deployer's request nonce, used once
}

// Tx is one transaction of a block, as the fee distribution needs it.
type Tx struct {
	Hash              Hash
	From              Address
	To                *Address // nil: a contract creation
	GasUsed           uint64
	EffectiveGasPrice money.Amount
	Success           bool
}

// Block is a block whose transactions' fees are to be distributed.
type Block struct {
	Number uint64
	Hash   Hash
	Parent Hash
	Time   time.Time
	// BaseFee is the block's EIP-1559 base fee per gas; zero before
	// London (or on a chain without one), when nothing can be burned.
	BaseFee money.Amount `json:",omitzero"`
	Txs     []Tx
}

// BlockRef names a block.
type BlockRef struct {
	Number uint64
	Hash   Hash
}
