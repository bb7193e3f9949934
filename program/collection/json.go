package collection

import "github.com/tributary-ledger/tributary/wire"

// CollectionRequest is the body of POST /v1/collection/collections.
type CollectionRequest struct {
	ID       string      `json:"id"`
	Creator  string      `json:"creator"`
	Price    wire.Amount `json:"price"`
	Currency string      `json:"currency"`
	Tracks   []string    `json:"tracks"`
	Split    []Recipient `json:"split,omitempty"`
}

// UpdateCollectionRequest is the body of PUT
// /v1/collection/collections/{id}: the new price, tracks and split (the
// creator and currency stay).
type UpdateCollectionRequest struct {
	Price  wire.Amount `json:"price"`
	Tracks []string    `json:"tracks"`
	Split  []Recipient `json:"split,omitempty"`
}

// PriceRequest is the body of PUT /v1/collection/tracks/{id}/price.
type PriceRequest struct {
	Price wire.Amount `json:"price"`
}

// TrackRequest is the body of POST /v1/collection/tracks.
type TrackRequest struct {
	ID       string      `json:"id"`
	Price    wire.Amount `json:"price"`
	Currency string      `json:"currency"`
	Split    []Recipient `json:"split"`
}
