package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tributary-ledger/tributary/program/feeshare"
)

// The fee-share genesis travels as the server's canonical bytes, which the
// generated methods would re-encode: these two are written by hand.

// ExportFeeshareGenesis exports the fee-share state (admin) as the server's
// canonical bytes, untouched: importing them elsewhere and exporting there
// gives the same bytes.
func (c *Client) ExportFeeshareGenesis(ctx context.Context) ([]byte, error) {
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
