package chain

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/contracts"
	"github.com/tributary-ledger/tributary/payout/merkle"
)

// TokenBalance reads account's balance of the ERC-20 token at the chain's
// head.
//
// Errors: ErrEndpoint, ErrInconsistent when token is not an ERC-20.
func TokenBalance(ctx context.Context, b ClaimsBackend, token, account merkle.Address) (money.Amount, error) {
	tx, err := newTransactor(ctx, b)
	if err != nil {
		return money.Zero, err
	}
	out, err := tx.call(ctx, abis().token, common.Address(token), "balanceOf", common.Address(account))
	if err != nil {
		return money.Zero, err
	}
	return amountOf(out[0].(*big.Int))
}

// TransferToken sends amount of the ERC-20 token from key's account to to:
// how an operator funds the claims contract before posting a root.
//
// Errors: ErrReverted (for example ERC20InsufficientBalance), ErrEndpoint.
func TransferToken(ctx context.Context, b ClaimsBackend, key *ecdsa.PrivateKey, token, to merkle.Address, amount money.Amount) (merkle.Hash, error) {
	return sendToken(ctx, b, key, token, "transfer", to, amount)
}

// DeployTestToken sends the deployment of TestToken, an ERC-20 with 6
// decimals that anyone may mint, from key: for tests and demos only.
//
// Errors: ErrEndpoint.
func DeployTestToken(ctx context.Context, b ClaimsBackend, key *ecdsa.PrivateKey) (merkle.Address, merkle.Hash, error) {
	tx, err := newTransactor(ctx, b)
	if err != nil {
		return merkle.Address{}, merkle.Hash{}, err
	}
	h, addr, err := tx.deploy(ctx, key, contracts.TestToken().Bin)
	if err != nil {
		return merkle.Address{}, merkle.Hash{}, fmt.Errorf("deploying the test token: %w", err)
	}
	return merkle.Address(addr), h, nil
}

// MintTestToken sends a mint of amount TestToken to to, from key.
//
// Errors: ErrReverted, ErrEndpoint.
func MintTestToken(ctx context.Context, b ClaimsBackend, key *ecdsa.PrivateKey, token, to merkle.Address, amount money.Amount) (merkle.Hash, error) {
	return sendToken(ctx, b, key, token, "mint", to, amount)
}

// sendToken sends method(to, amount), which transfer and mint share.
func sendToken(ctx context.Context, b ClaimsBackend, key *ecdsa.PrivateKey, token merkle.Address, method string, to merkle.Address, amount money.Amount) (merkle.Hash, error) {
	tx, err := newTransactor(ctx, b)
	if err != nil {
		return merkle.Hash{}, err
	}
	data, err := abis().token.Pack(method, common.Address(to), amount.Uint256().ToBig())
	if err != nil {
		return merkle.Hash{}, fmt.Errorf("packing %s: %w", method, err)
	}
	h, err := tx.send(ctx, key, common.Address(token), data)
	if err != nil {
		return merkle.Hash{}, fmt.Errorf("%s of %s to %s: %w", method, amount, to.Hex(), err)
	}
	return h, nil
}
