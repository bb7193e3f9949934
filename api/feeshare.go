package api

import (
	"context"

	"github.com/tributary-ledger/tributary/program/feeshare"
)

// FeeshareChain is what the fee-share routes need from the chain: the facts
// a registration is checked against, and the EIP-712 signer of a request.
// The chain package implements it; go-ethereum stays there.
type FeeshareChain interface {
	// Facts reads the deployer's transaction count and code and the
	// contract's code at the chain's head.
	Facts(ctx context.Context, deployer, contract feeshare.Address) (feeshare.Facts, error)
	// Signer recovers the address whose key signed req's EIP-712 digest.
	Signer(req feeshare.Request, sig []byte) (feeshare.Address, error)
	// ChainID is the chain's id, which signed requests must name.
	ChainID() uint64
}

// feeshareRoutes are the fee-share program's routes (program/feeshare).
func (s *Server) feeshareRoutes() []Route { return nil }
