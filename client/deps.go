package client

import (
	"context"

	"github.com/tributary-ledger/tributary/program/deps"
)

// ReportDepsUsage sends a batch of aggregate usage counts (ingestor). The
// server reads the body itself, to refuse any field a report does not have,
// so the generated methods skip the route: this one is written by hand.
func (c *Client) ReportDepsUsage(ctx context.Context, key string, batch deps.UsageBatch) (out deps.UsageJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/deps/usage", key, batch, &out)
	return out, replayed, err
}
