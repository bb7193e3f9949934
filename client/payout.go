package client

import (
	"context"
	"fmt"
)

// A payout batch's exports are files whose bytes are the contract (a
// provider's CSV, a tree dump others load): these are written by hand and
// return the bytes as the server sent them.

// PayoutExportJSON returns batch id's export: the batch, its lines and
// its claims tree's leaves.
func (c *Client) PayoutExportJSON(ctx context.Context, id uint64) ([]byte, error) {
	raw, _, err := c.doRaw(ctx, "GET", fmt.Sprintf("/v1/payouts/%d/export.json", id), "", nil)
	return raw, err
}

// PayoutExportCSV returns batch id's bank lines as a provider's CSV file.
func (c *Client) PayoutExportCSV(ctx context.Context, id uint64) ([]byte, error) {
	raw, _, err := c.doRaw(ctx, "GET", fmt.Sprintf("/v1/payouts/%d/export.csv", id), "", nil)
	return raw, err
}

// PayoutTree returns batch id's claims tree in OpenZeppelin's
// StandardMerkleTree dump format.
func (c *Client) PayoutTree(ctx context.Context, id uint64) ([]byte, error) {
	raw, _, err := c.doRaw(ctx, "GET", fmt.Sprintf("/v1/payouts/%d/tree", id), "", nil)
	return raw, err
}
