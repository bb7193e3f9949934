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
	trackID      = program.Param{Name: "id", In: "path", Doc: "The track's ID.", Schema: "CollectionId"}
	collectionID = program.Param{Name: "id", In: "path", Doc: "The collection's ID.", Schema: "CollectionId"}
)

// Module is the collection program's module: its routes, codes and state.
func Module() program.Module {
	return program.Module{
		Name: Program, Title: "Collection", Docs: docs,
		Routes: []program.Route{
			{Method: "GET", Path: "/v1/collection/config", ID: "getCollectionConfig", Roles: program.ConfigReaders, Handler: program.Read(serveReadConfig)},
			{Method: "PUT", Path: "/v1/collection/config", ID: "setCollectionConfig", Roles: program.Admins, Handler: program.Write(serveSetConfig)},
			{Method: "POST", Path: "/v1/collection/tracks", ID: "createCollectionTrack", Roles: program.Configurators, Status: program.Created, Handler: program.Write(serveCreateTrack)},
			{Method: "GET", Path: "/v1/collection/tracks/{id}", ID: "getCollectionTrack", Roles: program.ConfigReaders, Params: []program.Param{trackID}, Handler: program.Read(serveGetTrack)},
			{Method: "PUT", Path: "/v1/collection/tracks/{id}/price", ID: "setCollectionTrackPrice", Roles: program.Configurators, Params: []program.Param{trackID}, Handler: program.Write(serveSetTrackPrice)},
			{Method: "POST", Path: "/v1/collection/collections", ID: "createCollection", Roles: program.Configurators, Status: program.Created, Handler: program.Write(serveCreateCollection)},
			{Method: "GET", Path: "/v1/collection/collections/{id}", ID: "getCollection", Roles: program.ConfigReaders, Params: []program.Param{collectionID}, Handler: program.Read(serveGetCollection)},
			{Method: "PUT", Path: "/v1/collection/collections/{id}", ID: "updateCollection", Roles: program.Configurators, Params: []program.Param{collectionID}, Handler: program.Write(serveUpdateCollection)},
			{Method: "POST", Path: "/v1/collection/purchases", ID: "createCollectionPurchase", Roles: program.Ingestors, Status: program.Created, Handler: program.Write(servePurchase)},
		},
		Errors: []*errcode.Error{ErrConfig, ErrID, ErrExists, ErrPrice, ErrPriceRule, ErrEmpty, ErrDuplicate, ErrCurrency, ErrTracksMax, ErrTrackLimits},
		State: []program.StateKey{
			{Pattern: configKey, Holds: "the configuration: protocol and processor fees, their accounts"},
			{Pattern: trackKey("{id}"), Holds: "a track: price, currency, split, the collections it is in"},
			{Pattern: collectionKey("{id}"), Holds: "a collection: creator, price, tracks, split, rotation"},
		},
	}
}

func serveReadConfig(c program.Call) (Config, error) { return ReadConfig(c.View()) }

func serveSetConfig(c program.Call, cfg Config) (program.Effect[Config], error) {
	return program.Answer(SetConfig(c.Key(), c.Now(), cfg, c.Currencies()), func(ledger.Entry) (Config, error) { return cfg, nil }), nil
}

func serveCreateTrack(c program.Call, req TrackRequest) (program.Effect[Track], error) {
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return program.Effect[Track]{}, err
	}
	t := Track{ID: req.ID, Price: price, Currency: req.Currency, Split: req.Split}
	return program.Answer(CreateTrack(c.Key(), c.Now(), t, c.Currencies()), func(ledger.Entry) (Track, error) { return t, nil }), nil
}

func serveGetTrack(c program.Call) (Track, error) { return ReadTrack(c.View(), c.Path("id")) }

func serveSetTrackPrice(c program.Call, req PriceRequest) (program.Effect[Track], error) {
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

func serveCreateCollection(c program.Call, req CollectionRequest) (program.Effect[Collection], error) {
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return program.Effect[Collection]{}, err
	}
	col := Collection{ID: req.ID, Creator: req.Creator, Price: price, Currency: req.Currency, Tracks: req.Tracks, Split: req.Split}
	return program.Answer(CreateCollection(c.Key(), c.Now(), col, c.Currencies()), func(ledger.Entry) (Collection, error) { return col, nil }), nil
}

func serveGetCollection(c program.Call) (Collection, error) {
	return ReadCollection(c.View(), c.Path("id"))
}

func serveUpdateCollection(c program.Call, req UpdateCollectionRequest) (program.Effect[Collection], error) {
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return program.Effect[Collection]{}, err
	}
	id := c.Path("id")
	col := Collection{ID: id, Price: price, Tracks: req.Tracks, Split: req.Split}
	// The collection as changed, recorded: a later change or a servePurchase
	// (which moves its rotation) changes the stored one.
	return program.Record(UpdateCollection(c.Key(), c.Now(), col, c.Currencies()), func(v engine.View) (Collection, error) {
		return ReadCollection(v, id)
	}), nil
}

func servePurchase(c program.Call, p Purchase) (program.Effect[wire.EntryJSON], error) {
	return program.EntryAnswer(Buy(c.Key(), c.Now(), p, c.Currencies())), nil
}
