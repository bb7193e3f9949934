package api

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/wire"
)

// FeeshareChain is what the fee-share routes need from the chain: the facts
// a registration is checked against, and the EIP-712 signer of a request.
// The chain package implements it; go-ethereum stays there.
type FeeshareChain interface {
	// Facts reads the deployer's transaction count and code and the
	// contract's code at the chain's head.
	Facts(ctx context.Context, deployer, contract feeshare.Address) (feeshare.Facts, error)
	// Signer recovers the address whose key signed req's EIP-712 digest.
	Signer(req feeshare.Request, sig []byte) (feeshare.Address, error)
	// ChainID is the chain's id, which signed requests must name.
	ChainID() uint64
	// Head reads the chain's head block number: an update or cancel
	// accepted now takes effect from the block after it.
	Head(ctx context.Context) (uint64, error)
}

// Errors of the fee-share routes.
var (
	ErrFeeshareChain     = errcode.New("feeshare_chain_unavailable", "the server follows no chain, or cannot reach it now; retry later")
	ErrFeeshareSignature = errcode.New("feeshare_signature_required", "a signed request needs the deployer's EIP-712 signature, or an admin token acting on the deployer's behalf")
	ErrFeeshareChainID   = errcode.New("feeshare_chain_id_mismatch", "the request names another chain than the one the server follows")
	ErrFeeshareSigner    = errcode.New("feeshare_signer_mismatch", "the signature is not the deployer's")
	ErrFeeshareSigBad    = errcode.New("feeshare_signature_invalid", "the signature is malformed or does not recover a key")
)

// feeshareRoutes are the fee-share program's routes (program/feeshare).
// Register, update and cancel are authorized by the deployer's EIP-712
// signature, as a transaction on the seed's chain is, so they need no token;
// an admin token instead acts on the deployer's behalf without a signature.
func (s *Server) feeshareRoutes() []Route {
	read := []auth.Role{auth.Admin, auth.Reader, auth.Configurator}
	routes := []Route{
		{"GET", "/v1/feeshare/params", read, s.feeshareParams},
		{"PUT", "/v1/feeshare/params", admins, s.putFeeshareParams},
		{"POST", "/v1/feeshare/register", nil, s.feeshareRegister},
		{"POST", "/v1/feeshare/update", nil, s.feeshareUpdate},
		{"POST", "/v1/feeshare/cancel", nil, s.feeshareCancel},
		{"GET", "/v1/feeshare/contracts", read, s.feeshareContracts},
		{"GET", "/v1/feeshare/contracts/{contract}", read, s.feeshareContract},
		{"GET", "/v1/feeshare/deployers/{address}/contracts", read, s.feeshareDeployerContracts},
		{"GET", "/v1/feeshare/withdrawers/{address}/contracts", read, s.feeshareWithdrawerContracts},
		{"GET", "/v1/feeshare/cursor", read, s.feeshareCursor},
		{"GET", "/v1/feeshare/genesis", admins, s.feeshareGenesis},
		{"POST", "/v1/feeshare/genesis", admins, s.importFeeshareGenesis},
	}
	return routes
}

// feeshareStatus is the HTTP status of a fee-share refusal.
func feeshareStatus(err error) (int, bool) {
	if !strings.HasPrefix(errcode.Code(err), "feeshare_") {
		return 0, false
	}
	switch {
	case errors.Is(err, ErrFeeshareChain):
		return http.StatusServiceUnavailable, true
	case errors.Is(err, ErrFeeshareSigner), errors.Is(err, feeshare.ErrNotDeployer):
		return http.StatusForbidden, true
	case errors.Is(err, ErrFeeshareSignature):
		return http.StatusUnauthorized, true
	case errors.Is(err, feeshare.ErrNotRegistered):
		return http.StatusNotFound, true
	case errors.Is(err, feeshare.ErrAlreadyRegistered), errors.Is(err, feeshare.ErrReplay), errors.Is(err, feeshare.ErrGenesisState):
		return http.StatusConflict, true
	case errors.Is(err, feeshare.ErrAddress), errors.Is(err, feeshare.ErrBech32), errors.Is(err, feeshare.ErrBech32Prefix),
		errors.Is(err, feeshare.ErrNonce), errors.Is(err, feeshare.ErrHash), errors.Is(err, feeshare.ErrGenesis), errors.Is(err, ErrFeeshareSigBad):
		return http.StatusBadRequest, true
	}
	return http.StatusUnprocessableEntity, true
}

func toFeeshareParams(p feeshare.Params) wire.FeeshareParamsJSON {
	return wire.FeeshareParamsJSON{EnableRevenue: p.EnableRevenue, DeveloperSharesBP: p.DeveloperSharesBP, DeveloperShares: feeshare.FormatShares(p.DeveloperSharesBP), AddrDerivationCostCreate: p.AddrDerivationCostCreate}
}

func (s *Server) feeshareView(r *http.Request) engine.View { return s.view(r, feeshare.Program) }

func (s *Server) feeshareParams(w http.ResponseWriter, r *http.Request, _ *Call) error {
	p, err := feeshare.ReadParams(s.feeshareView(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toFeeshareParams(p))
	return nil
}

func (s *Server) putFeeshareParams(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.FeeshareParamsRequest](r)
	if err != nil {
		return err
	}
	if req.EnableRevenue == nil || req.DeveloperShares == "" || req.AddrDerivationCostCreate == nil {
		return errcode.Errorf(ErrBadRequest, "enable_revenue, developer_shares and addr_derivation_cost_create are all required")
	}
	bp, err := feeshare.ParseShares(req.DeveloperShares)
	if err != nil {
		return err
	}
	p := feeshare.Params{EnableRevenue: *req.EnableRevenue, DeveloperSharesBP: bp, AddrDerivationCostCreate: *req.AddrDerivationCostCreate}
	return s.apply(w, r, feeshare.SetParams(key, c.Now, p), http.StatusOK, func(ledger.Entry) (any, error) { return toFeeshareParams(p), nil })
}

func toRegistration(reg feeshare.Registration) wire.FeeshareRegistrationJSON {
	out := wire.FeeshareRegistrationJSON{Contract: reg.Contract.Hex(), ContractBech32: reg.Contract.Bech32(), Deployer: reg.Deployer.Hex(), DeployerBech32: reg.Deployer.Bech32(), Payee: reg.Payee().Account(), By: reg.By}
	if reg.Withdrawer != nil {
		out.Withdrawer, out.WithdrawerBech32 = reg.Withdrawer.Hex(), reg.Withdrawer.Bech32()
	}
	for _, n := range reg.Nonces {
		out.Nonces = append(out.Nonces, strconv.FormatUint(n, 10))
	}
	return out
}

func parseUintField(name, v string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, errcode.Errorf(ErrBadRequest, "%s is %.30q; want a decimal unsigned 64-bit integer as a string", name, v)
	}
	return n, nil
}

func parseFeeshareAddress(name, v string) (feeshare.Address, error) {
	a, err := feeshare.ParseAddress(v)
	if err != nil {
		return a, errcode.Errorf(errSentinel(err), "%s: %v", name, err)
	}
	return a, nil
}

// errSentinel returns the coded sentinel of a typed error, so that a
// message can be prefixed with the field's name and keep its code.
func errSentinel(err error) *errcode.Error {
	for _, e := range []*errcode.Error{feeshare.ErrAddress, feeshare.ErrBech32, feeshare.ErrBech32Prefix} {
		if errors.Is(err, e) {
			return e
		}
	}
	return ErrBadRequest
}

// FeeshareRequest reads b into a feeshare.Request of action: what the
// deployer signs. The CLI uses it to sign exactly what the server checks.
func FeeshareRequest(b wire.FeeshareRequestJSON, action string) (feeshare.Request, error) {
	req := feeshare.Request{Action: action}
	var err error
	if req.Contract, err = parseFeeshareAddress("contract", b.Contract); err != nil {
		return req, err
	}
	if req.Deployer, err = parseFeeshareAddress("deployer", b.Deployer); err != nil {
		return req, err
	}
	if b.Withdrawer != "" {
		w, err := parseFeeshareAddress("withdrawer", b.Withdrawer)
		if err != nil {
			return req, err
		}
		req.Withdrawer = &w
	}
	if len(b.Nonces) > feeshare.NoncesMax {
		return req, errcode.Errorf(feeshare.ErrNoncesMax, "%d nonces given; at most %d derivation steps are allowed", len(b.Nonces), feeshare.NoncesMax)
	}
	for i, n := range b.Nonces {
		v, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			return req, errcode.Errorf(feeshare.ErrNonce, "nonce %d is %.30q; want a decimal unsigned 64-bit integer", i+1, n)
		}
		req.Nonces = append(req.Nonces, v)
	}
	if req.ChainID, err = parseUintField("chain_id", b.ChainID); err != nil {
		return req, err
	}
	expiry, err := parseUintField("expiry", b.Expiry)
	if err != nil {
		return req, err
	}
	if expiry > 1<<62 {
		return req, errcode.Errorf(ErrBadRequest, "expiry %d is not a plausible unix time", expiry)
	}
	req.Expiry = int64(expiry)
	if req.Nonce, err = parseUintField("nonce", b.Nonce); err != nil {
		return req, err
	}
	return req, feeshare.ValidateRequest(req)
}

// feeshareAdmin reads the request's token, if it has one, before its body
// is read: an admin token acts on the deployer's behalf (the answer is who
// acts), no token means the body must carry the deployer's signature (the
// answer is ""). A token that is not an admin's is refused rather than
// ignored, so that a caller is never silently treated as someone it did not
// mean to be, and a bad token is refused before its body costs anything.
func (s *Server) feeshareAdmin(r *http.Request) (string, error) {
	if r.Header.Get("Authorization") == "" {
		return "", nil
	}
	tok, err := s.authenticate(r)
	if err != nil {
		return "", err
	}
	if tok.Role != auth.Admin {
		return "", errcode.Errorf(auth.ErrForbidden, "a %s token may not act for a deployer; send the deployer's signature without a token, or use an admin token", tok.Role)
	}
	return feeshare.ByAdmin(tok.ID), nil
}

// feeshareSigner checks that the deployer signed req: the chain verifies
// the EIP-712 signature sigHex and the signer must be the deployer.
func (s *Server) feeshareSigner(req feeshare.Request, sigHex string) (string, error) {
	if sigHex == "" {
		return "", errcode.Errorf(ErrFeeshareSignature, "the request has no signature; sign it with the deployer's key (EIP-712), or act with an admin token")
	}
	if s.cfg.Feeshare == nil {
		return "", errcode.Errorf(ErrFeeshareChain, "this server follows no chain (start it with --chain-rpc), so it cannot verify signatures")
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(sigHex, "0x"))
	if err != nil {
		return "", errcode.Errorf(ErrBadRequest, "signature is not hex: %v", err)
	}
	id := s.cfg.Feeshare.ChainID()
	if id == 0 {
		// The chain is still being dialled: its id is not known yet, so
		// the request cannot be checked; that is the server's state, not
		// the request's fault.
		return "", errcode.Errorf(ErrFeeshareChain, "the server has not reached its chain yet; retry later")
	}
	if req.ChainID != id {
		return "", errcode.Errorf(ErrFeeshareChainID, "the request names chain %d; this server follows chain %d", req.ChainID, id)
	}
	signer, err := s.cfg.Feeshare.Signer(req, sig)
	if err != nil {
		// The chain's own codes (signature_malformed, …) are not in the
		// status table; the message keeps what was wrong.
		return "", errcode.Errorf(ErrFeeshareSigBad, "signature: %v (code %s)", err, errcode.Code(err))
	}
	if signer != req.Deployer {
		return "", errcode.Errorf(ErrFeeshareSigner, "the request is signed by %s, not by the deployer %s", signer.Hex(), req.Deployer.Hex())
	}
	return feeshare.ByDeployer, nil
}

// feeshareRequest authorizes and decodes a request of action: its
// idempotency key, the request, and who acts (feeshare.ByDeployer for a
// signed request, or the admin).
func (s *Server) feeshareRequest(r *http.Request, action string) (key string, req feeshare.Request, by string, err error) {
	if by, err = s.feeshareAdmin(r); err != nil {
		return "", req, "", err
	}
	key, body, err := readWrite[wire.FeeshareRequestJSON](r)
	if err != nil {
		return "", req, "", err
	}
	if req, err = FeeshareRequest(body, action); err != nil {
		return "", req, "", err
	}
	if by == "" {
		if by, err = s.feeshareSigner(req, body.Signature); err != nil {
			return "", req, "", err
		}
	}
	return key, req, by, nil
}

// A registration answers 201, since it creates one; an update or cancel
// 200. Each answers with what the request set, not what is stored now, so
// that a replay after a later update or cancel answers the same.

func (s *Server) feeshareRegister(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, by, err := s.feeshareRequest(r, feeshare.ActionRegister)
	if err != nil {
		return err
	}
	if s.cfg.Feeshare == nil {
		return errcode.Errorf(ErrFeeshareChain, "this server follows no chain (start it with --chain-rpc); registrations are checked against the chain")
	}
	facts, err := s.cfg.Feeshare.Facts(r.Context(), req.Deployer, req.Contract)
	if err != nil {
		return errcode.Errorf(ErrFeeshareChain, "reading the deployer's and contract's state from the chain: %v", err)
	}
	// The gas cost is the one thing of the answer the request does not
	// say: it is the derivation cost in force when the registration
	// commits, recorded with it, which a later change of the parameters
	// must not rewrite. The sequence number is the entry's.
	return s.applyAnswered(w, r, feeshare.Register(key, c.Now, req, facts, by), http.StatusCreated, func(v engine.View) (any, error) {
		p, err := feeshare.ReadParams(v)
		return p.GasCost(len(req.Nonces)), err
	}, func(recorded []byte, e ledger.Entry) (any, error) {
		var gas uint64
		if err := decodeRecorded(recorded, &gas); err != nil {
			return nil, err
		}
		return wire.FeeshareWriteJSON{FeeshareRegistrationJSON: toRegistration(feeshare.Requested(req, by)), GasCost: gas, Seq: e.Seq}, nil
	})
}

// feeshareHead is the chain's head block, after which an update or cancel
// takes effect; 0 (after the last block applied) when the server follows
// no chain.
func (s *Server) feeshareHead(r *http.Request) (uint64, error) {
	if s.cfg.Feeshare == nil {
		return 0, nil
	}
	h, err := s.cfg.Feeshare.Head(r.Context())
	if err != nil {
		return 0, errcode.Errorf(ErrFeeshareChain, "reading the chain's head, after which the change takes effect: %v", err)
	}
	return h, nil
}

func (s *Server) feeshareUpdate(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, by, err := s.feeshareRequest(r, feeshare.ActionUpdate)
	if err != nil {
		return err
	}
	head, err := s.feeshareHead(r)
	if err != nil {
		return err
	}
	return s.apply(w, r, feeshare.Update(key, c.Now, req, head, by), http.StatusOK, func(e ledger.Entry) (any, error) {
		return wire.FeeshareWriteJSON{FeeshareRegistrationJSON: toRegistration(feeshare.Requested(req, by)), Seq: e.Seq}, nil
	})
}

func (s *Server) feeshareCancel(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, by, err := s.feeshareRequest(r, feeshare.ActionCancel)
	if err != nil {
		return err
	}
	head, err := s.feeshareHead(r)
	if err != nil {
		return err
	}
	return s.apply(w, r, feeshare.Cancel(key, c.Now, req, head, by), http.StatusOK, func(e ledger.Entry) (any, error) {
		reg := feeshare.Registration{Contract: req.Contract, Deployer: req.Deployer, By: by}
		return wire.FeeshareWriteJSON{FeeshareRegistrationJSON: toRegistration(reg), Cancelled: true, Seq: e.Seq}, nil
	})
}

func (s *Server) feeshareContract(w http.ResponseWriter, r *http.Request, _ *Call) error {
	c, err := parseFeeshareAddress("contract", r.PathValue("contract"))
	if err != nil {
		return err
	}
	reg, err := feeshare.ReadRegistration(s.feeshareView(r), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRegistration(reg))
	return nil
}

func (s *Server) feeshareList(w http.ResponseWriter, r *http.Request, list func(v engine.View, offset uint64, n int) (feeshare.Page, error)) error {
	n, err := limit(r)
	if err != nil {
		return err
	}
	var offset uint64
	if a := r.URL.Query().Get("after"); a != "" {
		if offset, err = strconv.ParseUint(a, 10, 64); err != nil {
			return errcode.Errorf(ErrQuery, "after=%q is not a cursor this list returned (an offset)", a)
		}
	}
	page, err := list(s.feeshareView(r), offset, n)
	if err != nil {
		return err
	}
	out := wire.FeeshareContractsJSON{Contracts: []wire.FeeshareRegistrationJSON{}, Total: page.Total}
	for _, reg := range page.Registrations {
		out.Contracts = append(out.Contracts, toRegistration(reg))
	}
	if page.Next != 0 {
		out.Next = strconv.FormatUint(page.Next, 10)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) feeshareContracts(w http.ResponseWriter, r *http.Request, _ *Call) error {
	return s.feeshareList(w, r, feeshare.Contracts)
}

func (s *Server) feeshareDeployerContracts(w http.ResponseWriter, r *http.Request, _ *Call) error {
	a, err := parseFeeshareAddress("deployer", r.PathValue("address"))
	if err != nil {
		return err
	}
	return s.feeshareList(w, r, func(v engine.View, o uint64, n int) (feeshare.Page, error) {
		return feeshare.DeployerContracts(v, a, o, n)
	})
}

func (s *Server) feeshareWithdrawerContracts(w http.ResponseWriter, r *http.Request, _ *Call) error {
	a, err := parseFeeshareAddress("withdrawer", r.PathValue("address"))
	if err != nil {
		return err
	}
	return s.feeshareList(w, r, func(v engine.View, o uint64, n int) (feeshare.Page, error) {
		return feeshare.WithdrawerContracts(v, a, o, n)
	})
}

func (s *Server) feeshareCursor(w http.ResponseWriter, r *http.Request, _ *Call) error {
	cur, err := feeshare.ReadCursor(s.feeshareView(r))
	if err != nil {
		return err
	}
	out := wire.FeeshareCursorJSON{Blocks: []wire.FeeshareBlockJSON{}}
	for _, b := range cur.Blocks {
		out.Blocks = append(out.Blocks, wire.FeeshareBlockJSON{Number: b.Number, Hash: b.Hash.Hex()})
	}
	if len(out.Blocks) > 0 {
		out.Head = &out.Blocks[len(out.Blocks)-1]
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) feeshareGenesis(w http.ResponseWriter, r *http.Request, _ *Call) error {
	g, err := feeshare.ExportGenesis(s.feeshareView(r))
	if err != nil {
		return err
	}
	// The canonical bytes, as they are imported: export, import, export
	// gives the same document.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(feeshare.MarshalGenesis(g))
	return err
}

func (s *Server) importFeeshareGenesis(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errcode.Errorf(ErrBodyTooLarge, "request body is over %d bytes", tooBig.Limit)
		}
		return errcode.Errorf(ErrBadRequest, "reading the genesis: %v", err)
	}
	// Refuse a bad document before it becomes an operation.
	if _, _, _, err := feeshare.ParseGenesis(data); err != nil {
		return err
	}
	// What the import left, recorded: later registrations and parameter
	// changes change what is stored.
	return s.applyAnswered(w, r, feeshare.ImportGenesis(key, c.Now, data), http.StatusOK, func(v engine.View) (any, error) {
		p, err := feeshare.ReadParams(v)
		if err != nil {
			return nil, err
		}
		page, err := feeshare.Contracts(v, 0, 1)
		if err != nil {
			return nil, err
		}
		return wire.FeeshareGenesisJSON{Params: toFeeshareParams(p), Revenues: page.Total}, nil
	}, nil)
}
