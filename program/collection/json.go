package collection

import "github.com/tributary-ledger/tributary/wire"

// CollectionRequest is the body of POST /v1/collection/collections.
type CollectionRequest struct {
	ID string `json:"id" schema:"CollectionId"`
	// The internal account that made the collection; it receives the surplus
	// unless `split` is given.
	Creator string `json:"creator" schema:"AccountName"`
	// The collection's price in base units; at least its dearest track's.
	Price wire.Amount `json:"price" schema:"Amount"`
	// The currency of the collection and of all its tracks.
	Currency string `json:"currency" schema:"Currency"`
	// The tracks, in rotation order: 1 to 1000 existing tracks, none twice.
	Tracks []string `json:"tracks" schema:"CollectionId" jsonschema:"minItems=1,maxItems=1000"`
	// A community split of the surplus: 1 to 100 recipients whose shares sum to
	// exactly 10000. Leave it out for the surplus to go to the creator.
	Split []Recipient `json:"split,omitempty" jsonschema:"minItems=1,maxItems=100"`
}

// UpdateCollectionRequest is the body of PUT
// /v1/collection/collections/{id}: the new price, tracks and split (the
// creator and currency stay).
type UpdateCollectionRequest struct {
	// The collection's price in base units; at least its dearest track's.
	Price wire.Amount `json:"price" schema:"Amount"`
	// The tracks, in rotation order: 1 to 1000 existing tracks, none twice.
	Tracks []string `json:"tracks" schema:"CollectionId" jsonschema:"minItems=1,maxItems=1000"`
	// A community split of the surplus: 1 to 100 recipients whose shares sum to
	// exactly 10000. Leave it out for the surplus to go to the creator.
	Split []Recipient `json:"split,omitempty" jsonschema:"minItems=1,maxItems=100"`
}

// PriceRequest is the body of PUT /v1/collection/tracks/{id}/price.
type PriceRequest struct {
	// The new price in base units of the track's currency; not zero, and at most
	// the price of every collection that contains the track.
	Price wire.Amount `json:"price" schema:"Amount"`
}

// TrackRequest is the body of POST /v1/collection/tracks.
type TrackRequest struct {
	ID string `json:"id" schema:"CollectionId"`
	// The price in base units ("198" is 1.98 USD); not zero.
	Price    wire.Amount `json:"price" schema:"Amount"`
	Currency string      `json:"currency" schema:"Currency"`
	// Who receives the price: 1 to 100 recipients whose shares sum to exactly
	// 10000.
	Split []Recipient `json:"split" jsonschema:"minItems=1,maxItems=100"`
}
