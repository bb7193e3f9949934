package client

import (
	"context"
	"net/url"

	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/wire"
)

// CollectionConfig returns the collection program's configuration: its
// fees and the accounts they go to.
func (c *Client) CollectionConfig(ctx context.Context) (collection.Config, error) {
	var out collection.Config
	_, err := c.do(ctx, "GET", "/v1/collection/config", "", nil, &out)
	return out, err
}

// SetCollectionConfig sets the collection program's configuration (admin).
func (c *Client) SetCollectionConfig(ctx context.Context, key string, cfg collection.Config) (collection.Config, error) {
	var out collection.Config
	_, err := c.do(ctx, "PUT", "/v1/collection/config", key, cfg, &out)
	return out, err
}

// CreateTrack registers a track.
func (c *Client) CreateTrack(ctx context.Context, key string, req collection.TrackRequest) (collection.Track, error) {
	var out collection.Track
	_, err := c.do(ctx, "POST", "/v1/collection/tracks", key, req, &out)
	return out, err
}

// Track returns a track.
func (c *Client) Track(ctx context.Context, id string) (collection.Track, error) {
	var out collection.Track
	_, err := c.do(ctx, "GET", "/v1/collection/tracks/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// SetTrackPrice reprices a track.
func (c *Client) SetTrackPrice(ctx context.Context, key, id string, price wire.Amount) (collection.Track, error) {
	var out collection.Track
	_, err := c.do(ctx, "PUT", "/v1/collection/tracks/"+url.PathEscape(id)+"/price", key, collection.PriceRequest{Price: price}, &out)
	return out, err
}

// CreateCollection registers a collection of tracks.
func (c *Client) CreateCollection(ctx context.Context, key string, req collection.CollectionRequest) (collection.Collection, error) {
	var out collection.Collection
	_, err := c.do(ctx, "POST", "/v1/collection/collections", key, req, &out)
	return out, err
}

// Collection returns a collection with its rotation.
func (c *Client) Collection(ctx context.Context, id string) (collection.Collection, error) {
	var out collection.Collection
	_, err := c.do(ctx, "GET", "/v1/collection/collections/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// UpdateCollection changes a collection's price, tracks and split; the
// answer is the collection as changed.
func (c *Client) UpdateCollection(ctx context.Context, key, id string, req collection.UpdateCollectionRequest) (collection.Collection, error) {
	var out collection.Collection
	_, err := c.do(ctx, "PUT", "/v1/collection/collections/"+url.PathEscape(id), key, req, &out)
	return out, err
}

// Purchase buys a track or a collection.
func (c *Client) Purchase(ctx context.Context, key string, p collection.Purchase) (e wire.EntryJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/collection/purchases", key, p, &e)
	return e, replayed, err
}
