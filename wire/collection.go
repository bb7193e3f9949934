package wire

import "github.com/tributary-ledger/tributary/program/collection"

// CollectionRequest is the body of POST /v1/collection/collections.
type CollectionRequest struct {
	ID       string                 `json:"id"`
	Creator  string                 `json:"creator"`
	Price    Amount                 `json:"price"`
	Currency string                 `json:"currency"`
	Tracks   []string               `json:"tracks"`
	Split    []collection.Recipient `json:"split,omitempty"`
}

// UpdateCollectionRequest is the body of PUT
// /v1/collection/collections/{id}: the new price, tracks and split (the
// creator and currency stay).
type UpdateCollectionRequest struct {
	Price  Amount                 `json:"price"`
	Tracks []string               `json:"tracks"`
	Split  []collection.Recipient `json:"split,omitempty"`
}

// PriceRequest is the body of PUT /v1/collection/tracks/{id}/price.
type PriceRequest struct {
	Price Amount `json:"price"`
}

// TrackRequest is the body of POST /v1/collection/tracks.
type TrackRequest struct {
	ID       string                 `json:"id"`
	Price    Amount                 `json:"price"`
	Currency string                 `json:"currency"`
	Split    []collection.Recipient `json:"split"`
}
