package collection

import (
	_ "embed"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

//go:embed routes.md
var docs string

var (
	trackID      = program.PathParam("id", "The track's ID.", "song-1")
	collectionID = program.PathParam("id", "The collection's ID.", "best-of-2026")
)

// Module is the collection program's module: its routes, codes and state.
func Module() program.Module {
	return program.Module{
		Name: Program, Title: "Collection", Docs: docs,
		Routes: []program.Route{
			{Method: "GET", Path: "/v1/collection/config", ID: "getCollectionConfig", Roles: program.ConfigReaders, Handler: program.Read(readConfig)},
			{Method: "PUT", Path: "/v1/collection/config", ID: "setCollectionConfig", Roles: program.Admins, Handler: program.Write(setConfig)},
			{Method: "POST", Path: "/v1/collection/tracks", ID: "createCollectionTrack", Roles: program.Configurators, Status: program.Created, Handler: program.Write(createTrack)},
			{Method: "GET", Path: "/v1/collection/tracks/{id}", ID: "getCollectionTrack", Roles: program.ConfigReaders, Params: []program.Param{trackID}, Handler: program.Read(getTrack)},
			{Method: "PUT", Path: "/v1/collection/tracks/{id}/price", ID: "setCollectionTrackPrice", Roles: program.Configurators, Params: []program.Param{trackID}, Handler: program.Write(setTrackPrice)},
			{Method: "POST", Path: "/v1/collection/collections", ID: "createCollection", Roles: program.Configurators, Status: program.Created, Handler: program.Write(createCollection)},
			{Method: "GET", Path: "/v1/collection/collections/{id}", ID: "getCollection", Roles: program.ConfigReaders, Params: []program.Param{collectionID}, Handler: program.Read(getCollection)},
			{Method: "PUT", Path: "/v1/collection/collections/{id}", ID: "updateCollection", Roles: program.Configurators, Params: []program.Param{collectionID}, Handler: program.Write(updateCollection)},
			{Method: "POST", Path: "/v1/collection/purchases", ID: "createCollectionPurchase", Roles: program.Ingestors, Status: program.Created, Handler: program.Write(purchase)},
		},
		Errors: []*errcode.Error{ErrConfig, ErrID, ErrExists, ErrPrice, ErrPriceRule, ErrEmpty, ErrDuplicate, ErrCurrency, ErrTracksMax, ErrTrackLimits},
		State: []program.StateKey{
			{Pattern: configKey, Holds: "the configuration: protocol and processor fees, their accounts"},
			{Pattern: trackKey("{id}"), Holds: "a track: price, currency, split, the collections it is in"},
			{Pattern: collectionKey("{id}"), Holds: "a collection: creator, price, tracks, split, rotation"},
		},
	}
}

func readConfig(c program.Call) (Config, error) { return ReadConfig(c.View()) }

func setConfig(c program.Call, cfg Config) (program.Effect[Config], error) {
	return program.Answer(SetConfig(c.Key(), c.Now(), cfg, c.Currencies()), func(ledger.Entry) (Config, error) { return cfg, nil }), nil
}

func createTrack(c program.Call, req TrackRequest) (program.Effect[Track], error) {
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return program.Effect[Track]{}, err
	}
	t := Track{ID: req.ID, Price: price, Currency: req.Currency, Split: req.Split}
	return program.Answer(CreateTrack(c.Key(), c.Now(), t, c.Currencies()), func(ledger.Entry) (Track, error) { return t, nil }), nil
}

func getTrack(c program.Call) (Track, error) { return ReadTrack(c.View(), c.Path("id")) }

func setTrackPrice(c program.Call, req PriceRequest) (program.Effect[Track], error) {
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return program.Effect[Track]{}, err
	}
	id := c.Path("id")
	// The track as repriced, recorded: a later price or a collection
	// taking the track in changes the stored one.
	return program.Record(SetTrackPrice(c.Key(), c.Now(), id, price), func(v engine.View) (Track, error) {
		return ReadTrack(v, id)
	}), nil
}

func createCollection(c program.Call, req CollectionRequest) (program.Effect[Collection], error) {
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return program.Effect[Collection]{}, err
	}
	col := Collection{ID: req.ID, Creator: req.Creator, Price: price, Currency: req.Currency, Tracks: req.Tracks, Split: req.Split}
	return program.Answer(CreateCollection(c.Key(), c.Now(), col, c.Currencies()), func(ledger.Entry) (Collection, error) { return col, nil }), nil
}

func getCollection(c program.Call) (Collection, error) { return ReadCollection(c.View(), c.Path("id")) }

func updateCollection(c program.Call, req UpdateCollectionRequest) (program.Effect[Collection], error) {
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return program.Effect[Collection]{}, err
	}
	id := c.Path("id")
	col := Collection{ID: id, Price: price, Tracks: req.Tracks, Split: req.Split}
	// The collection as changed, recorded: a later change or a purchase
	// (which moves its rotation) changes the stored one.
	return program.Record(UpdateCollection(c.Key(), c.Now(), col, c.Currencies()), func(v engine.View) (Collection, error) {
		return ReadCollection(v, id)
	}), nil
}

func purchase(c program.Call, p Purchase) (program.Effect[wire.EntryJSON], error) {
	return program.EntryAnswer(Buy(c.Key(), c.Now(), p, c.Currencies())), nil
}
