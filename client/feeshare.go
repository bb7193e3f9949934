package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/tributary-ledger/tributary/program/feeshare"
)

// The fee-share writes (register, update, cancel) are authorized like a
// transaction on the seed's chain: by the deployer's EIP-712 signature in
// the request, with no token. Send them from a client made with an empty
// token (New(base, "", nil)); a client with an admin token acts on the
// deployer's behalf without a signature, and one with any other token is
// refused (forbidden) rather than treated as the deployer.

// FeeshareParams returns the fee-share parameters: whether revenue is
// shared, the developers' share, and the gas cost per derivation step.
func (c *Client) FeeshareParams(ctx context.Context) (feeshare.ParamsJSON, error) {
	var out feeshare.ParamsJSON
	_, err := c.do(ctx, "GET", "/v1/feeshare/params", "", nil, &out)
	return out, err
}

// SetFeeshareParams sets the fee-share parameters (admin); every field of
// req is required. It returns the parameters as set.
func (c *Client) SetFeeshareParams(ctx context.Context, key string, req feeshare.ParamsRequest) (feeshare.ParamsJSON, error) {
	var out feeshare.ParamsJSON
	_, err := c.do(ctx, "PUT", "/v1/feeshare/params", key, req, &out)
	return out, err
}

// FeeshareRegister registers a contract's revenue for its deployer (or the
// withdrawer req names); req carries the deployer's signature unless the
// client's token is an admin's. The answer is what the request set, also
// when it is replayed after a later update or cancel; replayed is true when
// key had been applied before with the same request.
func (c *Client) FeeshareRegister(ctx context.Context, key string, req feeshare.RequestJSON) (out feeshare.WriteJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/feeshare/register", key, req, &out)
	return out, replayed, err
}

// FeeshareUpdate changes a registered contract's withdrawer (none: the
// deployer is paid); req is signed as for FeeshareRegister.
func (c *Client) FeeshareUpdate(ctx context.Context, key string, req feeshare.RequestJSON) (out feeshare.WriteJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/feeshare/update", key, req, &out)
	return out, replayed, err
}

// FeeshareCancel cancels a contract's registration; req is signed as for
// FeeshareRegister. The answer says who acted.
func (c *Client) FeeshareCancel(ctx context.Context, key string, req feeshare.RequestJSON) (out feeshare.WriteJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/feeshare/cancel", key, req, &out)
	return out, replayed, err
}

// FeeshareContract returns a contract's registration; contract is 0x-hex
// or evmos1… bech32.
func (c *Client) FeeshareContract(ctx context.Context, contract string) (feeshare.RegistrationJSON, error) {
	var out feeshare.RegistrationJSON
	_, err := c.do(ctx, "GET", "/v1/feeshare/contracts/"+url.PathEscape(contract), "", nil, &out)
	return out, err
}

// FeeshareContracts returns a page of registrations with their total; after
// is the Next of the previous page ("" for the first), limit 0 the server's
// default.
func (c *Client) FeeshareContracts(ctx context.Context, after string, limit int) (feeshare.ContractsJSON, error) {
	return c.feeshareList(ctx, "/v1/feeshare/contracts", after, limit)
}

// FeeshareDeployerContracts returns a page of the contracts a deployer
// registered, paged as FeeshareContracts.
func (c *Client) FeeshareDeployerContracts(ctx context.Context, deployer, after string, limit int) (feeshare.ContractsJSON, error) {
	return c.feeshareList(ctx, "/v1/feeshare/deployers/"+url.PathEscape(deployer)+"/contracts", after, limit)
}

// FeeshareWithdrawerContracts returns a page of the contracts whose revenue
// goes to a withdrawer, paged as FeeshareContracts.
func (c *Client) FeeshareWithdrawerContracts(ctx context.Context, withdrawer, after string, limit int) (feeshare.ContractsJSON, error) {
	return c.feeshareList(ctx, "/v1/feeshare/withdrawers/"+url.PathEscape(withdrawer)+"/contracts", after, limit)
}

func (c *Client) feeshareList(ctx context.Context, path, after string, limit int) (feeshare.ContractsJSON, error) {
	var out feeshare.ContractsJSON
	_, err := c.do(ctx, "GET", path+query("after", after, "limit", itoa(limit)), "", nil, &out)
	return out, err
}

// FeeshareCursor returns where fee distribution stands: the blocks within
// reorg reach, oldest first, and the head.
func (c *Client) FeeshareCursor(ctx context.Context) (feeshare.CursorJSON, error) {
	var out feeshare.CursorJSON
	_, err := c.do(ctx, "GET", "/v1/feeshare/cursor", "", nil, &out)
	return out, err
}

// FeeshareGenesis exports the fee-share state (admin) as the server's
// canonical bytes, untouched: importing them elsewhere and exporting there
// gives the same bytes.
func (c *Client) FeeshareGenesis(ctx context.Context) ([]byte, error) {
	raw, _, err := c.doRaw(ctx, "GET", "/v1/feeshare/genesis", "", nil)
	return raw, err
}

// ImportFeeshareGenesis imports a genesis document into a server with no
// fee-share state yet (admin), sending genesis as it is. It returns the
// imported parameters and how many contracts are registered.
func (c *Client) ImportFeeshareGenesis(ctx context.Context, key string, genesis []byte) (feeshare.GenesisJSON, error) {
	var out feeshare.GenesisJSON
	raw, _, err := c.doRaw(ctx, "POST", "/v1/feeshare/genesis", key, genesis)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("decoding POST /v1/feeshare/genesis: %w", err)
	}
	return out, nil
}
