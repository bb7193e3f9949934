// Package contracts holds the claims contract that pays payout batches on
// an EVM chain — TributaryClaims.sol, with the ABI and bytecode compiled
// from it — and TestToken.sol, an ERC-20 anyone may mint, for tests and
// demos. The artifacts are committed so that deploying needs no compiler;
// a test recompiles the sources with the pinned solc npm package (0.8.37,
// optimizer on at 200 runs, EVM version cancun, OpenZeppelin Contracts
// 5.7.0) and fails if a byte differs.
package contracts

import (
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
)

// Artifact is a compiled contract.
type Artifact struct {
	// ABI is the contract's JSON ABI.
	ABI string
	// Bin is the creation code: what a deployment sends, before the
	// ABI-encoded constructor arguments.
	Bin []byte
	// Runtime is the code the deployment leaves at the contract's address,
	// the code to compare a deployed contract's with.
	Runtime []byte
}

var (
	//go:embed TributaryClaims.abi
	claimsABI string
	//go:embed TributaryClaims.bin
	claimsBin string
	//go:embed TributaryClaims.bin-runtime
	claimsRuntime string
	//go:embed TestToken.abi
	tokenABI string
	//go:embed TestToken.bin
	tokenBin string
	//go:embed TestToken.bin-runtime
	tokenRuntime string
)

// Claims returns the claims contract's artifact; its byte slices are the
// caller's own.
func Claims() Artifact { return artifact("TributaryClaims", claimsABI, claimsBin, claimsRuntime) }

// TestToken returns the test token's artifact; its byte slices are the
// caller's own.
func TestToken() Artifact { return artifact("TestToken", tokenABI, tokenBin, tokenRuntime) }

func artifact(name, abi, bin, runtime string) Artifact {
	return Artifact{ABI: abi, Bin: decode(name+".bin", bin), Runtime: decode(name+".bin-runtime", runtime)}
}

func decode(file, s string) []byte {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) == 0 {
		// The files are committed and checked by the tests: a bad one is
		// a broken build, not an input error.
		panic(fmt.Sprintf("contracts: %s is not hex bytecode: %v", file, err))
	}
	return b
}
