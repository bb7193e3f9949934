package client

import (
	"context"
	"net/url"

	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/wire"
)

// MarketConfig returns the market's fee, default royalty and treasury.
func (c *Client) MarketConfig(ctx context.Context) (market.Config, error) {
	var out market.Config
	_, err := c.do(ctx, "GET", "/v1/market/config", "", nil, &out)
	return out, err
}

// SetMarketConfig sets the market's configuration (admin).
func (c *Client) SetMarketConfig(ctx context.Context, key string, cfg market.Config) (market.Config, error) {
	var out market.Config
	_, err := c.do(ctx, "PUT", "/v1/market/config", key, cfg, &out)
	return out, err
}

// CreateAsset registers an IP asset.
func (c *Client) CreateAsset(ctx context.Context, key string, req market.AssetRequest) (market.AssetJSON, error) {
	var out market.AssetJSON
	_, err := c.do(ctx, "POST", "/v1/market/assets", key, req, &out)
	return out, err
}

// Asset returns an asset with its effective royalty.
func (c *Client) Asset(ctx context.Context, id string) (market.AssetJSON, error) {
	var out market.AssetJSON
	_, err := c.do(ctx, "GET", "/v1/market/assets/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// SetAssetSplit replaces an asset's revenue split.
func (c *Client) SetAssetSplit(ctx context.Context, key, id string, split []market.Recipient) (market.AssetJSON, error) {
	var out market.AssetJSON
	_, err := c.do(ctx, "PUT", "/v1/market/assets/"+url.PathEscape(id)+"/split", key, market.SplitRequest{Split: split}, &out)
	return out, err
}

// SetAssetRoyalty sets an asset's royalty override; nil clears it.
func (c *Client) SetAssetRoyalty(ctx context.Context, key, id string, bp *uint64) (market.AssetJSON, error) {
	var out market.AssetJSON
	_, err := c.do(ctx, "PUT", "/v1/market/assets/"+url.PathEscape(id)+"/royalty", key, market.RoyaltyRequest{RoyaltyBP: bp}, &out)
	return out, err
}

// CreateLicense registers a license for an asset.
func (c *Client) CreateLicense(ctx context.Context, key string, req market.LicenseRequest) (market.License, error) {
	var out market.License
	_, err := c.do(ctx, "POST", "/v1/market/licenses", key, req, &out)
	return out, err
}

// License returns a license and what a payment now would have to cover.
func (c *Client) License(ctx context.Context, id string) (market.LicenseJSON, error) {
	var out market.LicenseJSON
	_, err := c.do(ctx, "GET", "/v1/market/licenses/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// RevokeLicense revokes a license.
func (c *Client) RevokeLicense(ctx context.Context, key, id string) (market.License, error) {
	var out market.License
	_, err := c.do(ctx, "POST", "/v1/market/licenses/"+url.PathEscape(id)+"/revoke", key, nil, &out)
	return out, err
}

// PayLicense makes a recurring license payment.
func (c *Client) PayLicense(ctx context.Context, key, id string, req market.LicensePaymentRequest) (e wire.EntryJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/market/licenses/"+url.PathEscape(id)+"/payments", key, req, &e)
	return e, replayed, err
}

// Sell records a sale of an asset or a license.
func (c *Client) Sell(ctx context.Context, key string, req market.SaleRequest) (e wire.EntryJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/market/sales", key, req, &e)
	return e, replayed, err
}
