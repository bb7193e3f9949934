package api

import (
	"net/http"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/wire"
)

func (s *Server) collectionRoutes() []Route {
	read := []auth.Role{auth.Admin, auth.Reader, auth.Configurator}
	return []Route{
		{"GET", "/v1/collection/config", read, s.collectionConfig, false},
		{"PUT", "/v1/collection/config", admins, s.putCollectionConfig, false},
		{"POST", "/v1/collection/tracks", configurers, s.createTrack, false},
		{"GET", "/v1/collection/tracks/{id}", read, s.getTrack, false},
		{"PUT", "/v1/collection/tracks/{id}/price", configurers, s.putTrackPrice, false},
		{"POST", "/v1/collection/collections", configurers, s.createCollection, false},
		{"GET", "/v1/collection/collections/{id}", read, s.getCollection, false},
		{"PUT", "/v1/collection/collections/{id}", configurers, s.updateCollection, false},
		{"POST", "/v1/collection/purchases", ingestors, s.purchase, false},
	}
}

func (s *Server) collectionConfig(w http.ResponseWriter, r *http.Request, _ *Call) error {
	cfg, err := collection.ReadConfig(s.view(r, collection.Program))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cfg)
	return nil
}

func (s *Server) putCollectionConfig(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, cfg, err := readWrite[collection.Config](r)
	if err != nil {
		return err
	}
	return s.apply(w, r, collection.SetConfig(key, c.Now, cfg, s.cfg.Currencies), http.StatusOK, func(ledger.Entry) (any, error) { return cfg, nil })
}

func (s *Server) createTrack(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.TrackRequest](r)
	if err != nil {
		return err
	}
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return err
	}
	t := collection.Track{ID: req.ID, Price: price, Currency: req.Currency, Split: req.Split}
	return s.apply(w, r, collection.CreateTrack(key, c.Now, t, s.cfg.Currencies), http.StatusCreated, func(ledger.Entry) (any, error) { return t, nil })
}

func (s *Server) getTrack(w http.ResponseWriter, r *http.Request, _ *Call) error {
	t, err := collection.ReadTrack(s.view(r, collection.Program), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) putTrackPrice(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.PriceRequest](r)
	if err != nil {
		return err
	}
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	// The track as repriced, recorded: a later price or a collection
	// taking the track in changes the stored one.
	return s.applyAnswered(w, r, collection.SetTrackPrice(key, c.Now, id, price), http.StatusOK, func(v engine.View) (any, error) {
		return collection.ReadTrack(v, id)
	}, nil)
}

func (s *Server) createCollection(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.CollectionRequest](r)
	if err != nil {
		return err
	}
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return err
	}
	col := collection.Collection{ID: req.ID, Creator: req.Creator, Price: price, Currency: req.Currency, Tracks: req.Tracks, Split: req.Split}
	return s.apply(w, r, collection.CreateCollection(key, c.Now, col, s.cfg.Currencies), http.StatusCreated, func(ledger.Entry) (any, error) { return col, nil })
}

func (s *Server) getCollection(w http.ResponseWriter, r *http.Request, _ *Call) error {
	col, err := collection.ReadCollection(s.view(r, collection.Program), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, col)
	return nil
}

func (s *Server) purchase(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[collection.Purchase](r)
	if err != nil {
		return err
	}
	return s.apply(w, r, collection.Buy(key, c.Now, req, s.cfg.Currencies), http.StatusCreated, entryBody)
}

func (s *Server) updateCollection(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.UpdateCollectionRequest](r)
	if err != nil {
		return err
	}
	price, err := money.ParseUnits(string(req.Price))
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	col := collection.Collection{ID: id, Price: price, Tracks: req.Tracks, Split: req.Split}
	// The collection as changed, recorded: a later change or a purchase
	// (which moves its rotation) changes the stored one.
	return s.applyAnswered(w, r, collection.UpdateCollection(key, c.Now, col, s.cfg.Currencies), http.StatusOK, func(v engine.View) (any, error) {
		return collection.ReadCollection(v, id)
	}, nil)
}
