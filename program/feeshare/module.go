package feeshare

import (
	"context"
	_ "embed"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program"
)

//go:embed routes.md
var docs string

// ChainClient is what the fee-share routes need from the chain: the facts
// a registration is checked against, the head after which a change takes
// effect, and the EIP-712 signer of a request. Package chain implements
// it; go-ethereum stays there. The facts reach the rules as input, so the
// rules stay pure.
type ChainClient interface {
	// Facts reads the deployer's transaction count and code and the
	// contract's code at the chain's head.
	Facts(ctx context.Context, deployer, contract Address) (Facts, error)
	// Signer recovers the address whose key signed req's EIP-712 digest.
	Signer(req Request, sig []byte) (Address, error)
	// ChainID is the chain's id, which signed requests must name; 0 while
	// the chain is still being dialled.
	ChainID() uint64
	// Head reads the chain's head block number: an update or cancel
	// accepted now takes effect from the block after it.
	Head(ctx context.Context) (uint64, error)
}

// Errors of the fee-share routes.
var (
	ErrChain     = errcode.New(errcode.Unavailable, "feeshare_chain_unavailable", "the server follows no chain, or cannot reach it now; retry later")
	ErrSignature = errcode.New(errcode.Unauthenticated, "feeshare_signature_required", "a signed request needs the deployer's EIP-712 signature, or an admin token acting on the deployer's behalf")
	ErrChainID   = errcode.New(errcode.Unprocessable, "feeshare_chain_id_mismatch", "the request names another chain than the one the server follows")
	ErrSigner    = errcode.New(errcode.Forbidden, "feeshare_signer_mismatch", "the signature is not the deployer's")
	ErrSigBad    = errcode.New(errcode.Invalid, "feeshare_signature_invalid", "the signature is malformed or does not recover a key")
)

var (
	contractParam = program.Param{Name: "contract", In: "path", Doc: "The contract's address, hex or bech32.", Example: "0x6b75d8af000000e20b7a7ddf000ba900b4009a80", Schema: "FeeshareAddress"}
	addressParam  = program.Param{Name: "address", In: "path", Doc: "The address, hex or bech32.", Example: "0x6b75d8af000000e20b7a7ddf000ba900b4009a80", Schema: "FeeshareAddress"}
	pageParams    = []program.Param{program.LimitParam, {Name: "after", In: "query", Doc: "The `next` of the previous page (an offset); omit it for the first page. Anything else is 400 `query_invalid`.", Example: "100"}}
)

// Module is the fee-share program's module. chain may be nil: the server
// follows no chain, and the writes that need one answer 503.
func Module(chain ChainClient) program.Module {
	h := handlers{chain: chain}
	return program.Module{
		Name: Program, Title: "Fee share", Docs: docs,
		Routes: []program.Route{
			{Method: "GET", Path: "/v1/feeshare/params", ID: "getFeeshareParams", Roles: program.ConfigReaders, Handler: program.Read(serveParams)},
			{Method: "PUT", Path: "/v1/feeshare/params", ID: "setFeeshareParams", Roles: program.Admins, Handler: program.Write(serveSetParams)},
			// Register, update and cancel are authorized by the deployer's
			// EIP-712 signature, as a transaction on the seed's chain is,
			// so they need no token; an admin token instead acts on the
			// deployer's behalf without a signature.
			{Method: "POST", Path: "/v1/feeshare/register", ID: "registerFeeshareContract", Roles: program.Admins, TokenOptional: true, Status: program.Created, Handler: program.Write(h.register)},
			{Method: "POST", Path: "/v1/feeshare/update", ID: "updateFeeshareContract", Roles: program.Admins, TokenOptional: true, Handler: program.Write(h.update)},
			{Method: "POST", Path: "/v1/feeshare/cancel", ID: "cancelFeeshareContract", Roles: program.Admins, TokenOptional: true, Handler: program.Write(h.cancel)},
			{Method: "GET", Path: "/v1/feeshare/contracts", ID: "listFeeshareContracts", Roles: program.ConfigReaders, Params: pageParams, Handler: program.Read(serveContracts)},
			{Method: "GET", Path: "/v1/feeshare/contracts/{contract}", ID: "getFeeshareContract", Roles: program.ConfigReaders, Params: []program.Param{contractParam}, Handler: program.Read(serveContract)},
			{Method: "GET", Path: "/v1/feeshare/deployers/{address}/contracts", ID: "listFeeshareDeployerContracts", Roles: program.ConfigReaders, Params: append([]program.Param{addressParam}, pageParams...), Handler: program.Read(serveDeployerContracts)},
			{Method: "GET", Path: "/v1/feeshare/withdrawers/{address}/contracts", ID: "listFeeshareWithdrawerContracts", Roles: program.ConfigReaders, Params: append([]program.Param{addressParam}, pageParams...), Handler: program.Read(serveWithdrawerContracts)},
			{Method: "GET", Path: "/v1/feeshare/cursor", ID: "getFeeshareCursor", Roles: program.ConfigReaders, Handler: program.Read(serveCursor)},
			{Method: "GET", Path: "/v1/feeshare/genesis", ID: "exportFeeshareGenesis", Roles: program.Admins, Handler: program.ReadRaw[Genesis](serveGenesis)},
			{Method: "POST", Path: "/v1/feeshare/genesis", ID: "importFeeshareGenesis", Roles: program.Admins, Handler: program.WriteRaw[Genesis](serveImportGenesis)},
		},
		Errors: []*errcode.Error{ErrParams, ErrShares, ErrDisabled, ErrAlreadyRegistered, ErrNotRegistered, ErrDeployerNoTx, ErrDeployerIsContract,
			ErrContractNoCode, ErrDerivation, ErrContractZero, ErrAddressZero, ErrWithdrawerIsDeploy, ErrWithdrawerUnchanged, ErrNotDeployer, ErrExpired,
			ErrReplay, ErrAction, ErrBy, ErrAddress, ErrBech32, ErrBech32Prefix, ErrNoncesEmpty, ErrNoncesMax, ErrNonce, ErrHash, ErrBlock, ErrBlockParent,
			ErrBlockReverted, ErrBlockPartial, ErrRevertHead, ErrGenesis, ErrGenesisState, ErrBlockRound, ErrChain, ErrSignature, ErrChainID, ErrSigner, ErrSigBad},
		State: []program.StateKey{
			{Pattern: paramsKey, Holds: "the parameters"},
			{Pattern: "revenue/<contract>", Holds: "a contract's registration"},
			{Pattern: "ix/all/…, ix/dep/<deployer>/…, ix/wd/<withdrawer>/…", Holds: "the indexes of registrations: count, position → contract, contract → position"},
			{Pattern: "reqnonce/<deployer>/<n>", Holds: "a signed request nonce, used"},
			{Pattern: cursorKey, Holds: "the applied blocks within reorg reach"},
			{Pattern: headKey, Holds: "the cursor's newest block"},
			{Pattern: "block/<hash>", Holds: "an applied block and its fee-bearing transactions"},
			{Pattern: "blocktx/<hash>/<tx>", Holds: "what one transaction's entry posted"},
		},
	}
}

// ToParams is the parameters on the wire.
func ToParams(p Params) ParamsJSON {
	return ParamsJSON{EnableRevenue: p.EnableRevenue, DeveloperSharesBP: p.DeveloperSharesBP, DeveloperShares: FormatShares(p.DeveloperSharesBP), AddrDerivationCostCreate: p.AddrDerivationCostCreate}
}

func serveParams(c program.Call) (ParamsJSON, error) {
	p, err := ReadParams(c.View())
	return ToParams(p), err
}

func serveSetParams(c program.Call, req ParamsRequest) (program.Effect[ParamsJSON], error) {
	if req.EnableRevenue == nil || req.DeveloperShares == "" || req.AddrDerivationCostCreate == nil {
		return program.Effect[ParamsJSON]{}, errcode.Errorf(program.ErrBadRequest, "enable_revenue, developer_shares and addr_derivation_cost_create are all required")
	}
	bp, err := ParseShares(req.DeveloperShares)
	if err != nil {
		return program.Effect[ParamsJSON]{}, err
	}
	p := Params{EnableRevenue: *req.EnableRevenue, DeveloperSharesBP: bp, AddrDerivationCostCreate: *req.AddrDerivationCostCreate}
	return program.Answer(SetParams(c.Key(), c.Now(), p), func(ledger.Entry) (ParamsJSON, error) { return ToParams(p), nil }), nil
}

// ToRegistration is a registration on the wire.
func ToRegistration(reg Registration) RegistrationJSON {
	out := RegistrationJSON{Contract: reg.Contract.Hex(), ContractBech32: reg.Contract.Bech32(), Deployer: reg.Deployer.Hex(), DeployerBech32: reg.Deployer.Bech32(), Payee: reg.Payee().Account(), By: reg.By}
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
		return 0, errcode.Errorf(program.ErrBadRequest, "%s is %.30q; want a decimal unsigned 64-bit integer as a string", name, v)
	}
	return n, nil
}

// parseAddressField parses an address, naming the field in the message and
// keeping the code.
func parseAddressField(name, v string) (Address, error) {
	a, err := ParseAddress(v)
	if err != nil {
		return a, errcode.Errorf(addressSentinel(err), "%s: %v", name, err)
	}
	return a, nil
}

func addressSentinel(err error) *errcode.Error {
	for _, e := range []*errcode.Error{ErrAddress, ErrBech32, ErrBech32Prefix} {
		if errors.Is(err, e) {
			return e
		}
	}
	return program.ErrBadRequest
}

// ParseRequest reads b into a Request of action: what the deployer signs.
// The command line uses it to sign exactly what the server checks.
func ParseRequest(b RequestJSON, action string) (Request, error) {
	req := Request{Action: action}
	var err error
	if req.Contract, err = parseAddressField("contract", b.Contract); err != nil {
		return req, err
	}
	if req.Deployer, err = parseAddressField("deployer", b.Deployer); err != nil {
		return req, err
	}
	if b.Withdrawer != "" {
		w, err := parseAddressField("withdrawer", b.Withdrawer)
		if err != nil {
			return req, err
		}
		req.Withdrawer = &w
	}
	if req.Nonces, err = parseNonces(b.Nonces); err != nil {
		return req, err
	}
	if req.ChainID, err = parseUintField("chain_id", b.ChainID); err != nil {
		return req, err
	}
	expiry, err := parseUintField("expiry", b.Expiry)
	if err != nil {
		return req, err
	}
	if expiry > 1<<62 {
		return req, errcode.Errorf(program.ErrBadRequest, "expiry %d is not a plausible unix time", expiry)
	}
	req.Expiry = int64(expiry)
	if req.Nonce, err = parseUintField("nonce", b.Nonce); err != nil {
		return req, err
	}
	return req, ValidateRequest(req)
}

func parseNonces(ns []string) ([]uint64, error) {
	if len(ns) > NoncesMax {
		return nil, errcode.Errorf(ErrNoncesMax, "%d nonces given; at most %d derivation steps are allowed", len(ns), NoncesMax)
	}
	var out []uint64
	for i, n := range ns {
		v, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			return nil, errcode.Errorf(ErrNonce, "nonce %d is %.30q; want a decimal unsigned 64-bit integer", i+1, n)
		}
		out = append(out, v)
	}
	return out, nil
}

// handlers are the routes that need the chain.
type handlers struct{ chain ChainClient }

// signer checks that the deployer signed req: the chain verifies the
// EIP-712 signature sigHex and the signer must be the deployer.
func (h handlers) signer(req Request, sigHex string) (string, error) {
	if sigHex == "" {
		return "", errcode.Errorf(ErrSignature, "the request has no signature; sign it with the deployer's key (EIP-712), or act with an admin token")
	}
	if h.chain == nil {
		return "", errcode.Errorf(ErrChain, "this server follows no chain (start it with --chain-rpc), so it cannot verify signatures")
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(sigHex, "0x"))
	if err != nil {
		return "", errcode.Errorf(program.ErrBadRequest, "signature is not hex: %v", err)
	}
	id := h.chain.ChainID()
	if id == 0 {
		// The chain is still being dialled: its id is not known yet, so
		// the request cannot be checked; that is the server's state, not
		// the request's fault.
		return "", errcode.Errorf(ErrChain, "the server has not reached its chain yet; retry later")
	}
	if req.ChainID != id {
		return "", errcode.Errorf(ErrChainID, "the request names chain %d; this server follows chain %d", req.ChainID, id)
	}
	signer, err := h.chain.Signer(req, sig)
	if err != nil {
		// The chain's own codes (signature_malformed, …) keep what was
		// wrong in the message.
		return "", errcode.Errorf(ErrSigBad, "signature: %v (code %s)", err, errcode.Code(err))
	}
	if signer != req.Deployer {
		return "", errcode.Errorf(ErrSigner, "the request is signed by %s, not by the deployer %s", signer.Hex(), req.Deployer.Hex())
	}
	return ByDeployer, nil
}

// request reads a request of action and who acts: the admin whose token
// came with it (the API judged the token already), or the deployer whose
// signature it carries.
func (h handlers) request(c program.Call, body RequestJSON, action string) (Request, string, error) {
	req, err := ParseRequest(body, action)
	if err != nil {
		return req, "", err
	}
	if tok := c.Token(); tok.Role == auth.Admin {
		return req, ByAdmin(tok.ID), nil
	}
	by, err := h.signer(req, body.Signature)
	return req, by, err
}

// A registration answers 201, since it creates one; an update or cancel
// 200. Each answers with what the request set, not what is stored now, so
// that a replay after a later update or cancel answers the same.

func (h handlers) register(c program.Call, body RequestJSON) (program.Effect[WriteJSON], error) {
	req, by, err := h.request(c, body, ActionRegister)
	if err != nil {
		return program.Effect[WriteJSON]{}, err
	}
	if h.chain == nil {
		return program.Effect[WriteJSON]{}, errcode.Errorf(ErrChain, "this server follows no chain (start it with --chain-rpc); registrations are checked against the chain")
	}
	facts, err := h.chain.Facts(c.Context(), req.Deployer, req.Contract)
	if err != nil {
		return program.Effect[WriteJSON]{}, errcode.Errorf(ErrChain, "reading the deployer's and contract's state from the chain: %v", err)
	}
	// The gas cost is the one thing of the answer the request does not
	// say: it is the derivation cost in force when the registration
	// commits, recorded with it, which a later change of the parameters
	// must not rewrite. The sequence number is the entry's.
	return program.RecordThen(Register(c.Key(), c.Now(), req, facts, by), func(v engine.View) (uint64, error) {
		p, err := ReadParams(v)
		return p.GasCost(len(req.Nonces)), err
	}, func(gas uint64, e ledger.Entry) (WriteJSON, error) {
		return WriteJSON{RegistrationJSON: ToRegistration(Requested(req, by)), GasCost: gas, Seq: e.Seq}, nil
	}), nil
}

// head is the chain's head block, after which an update or cancel takes
// effect; 0 (after the last block applied) when the server follows no
// chain.
func (h handlers) head(c program.Call) (uint64, error) {
	if h.chain == nil {
		return 0, nil
	}
	n, err := h.chain.Head(c.Context())
	if err != nil {
		return 0, errcode.Errorf(ErrChain, "reading the chain's head, after which the change takes effect: %v", err)
	}
	return n, nil
}

func (h handlers) update(c program.Call, body RequestJSON) (program.Effect[WriteJSON], error) {
	req, by, err := h.request(c, body, ActionUpdate)
	if err != nil {
		return program.Effect[WriteJSON]{}, err
	}
	head, err := h.head(c)
	if err != nil {
		return program.Effect[WriteJSON]{}, err
	}
	return program.Answer(Update(c.Key(), c.Now(), req, head, by), func(e ledger.Entry) (WriteJSON, error) {
		return WriteJSON{RegistrationJSON: ToRegistration(Requested(req, by)), Seq: e.Seq}, nil
	}), nil
}

func (h handlers) cancel(c program.Call, body RequestJSON) (program.Effect[WriteJSON], error) {
	req, by, err := h.request(c, body, ActionCancel)
	if err != nil {
		return program.Effect[WriteJSON]{}, err
	}
	head, err := h.head(c)
	if err != nil {
		return program.Effect[WriteJSON]{}, err
	}
	return program.Answer(Cancel(c.Key(), c.Now(), req, head, by), func(e ledger.Entry) (WriteJSON, error) {
		reg := Registration{Contract: req.Contract, Deployer: req.Deployer, By: by}
		return WriteJSON{RegistrationJSON: ToRegistration(reg), Cancelled: true, Seq: e.Seq}, nil
	}), nil
}

func serveContract(c program.Call) (RegistrationJSON, error) {
	a, err := parseAddressField("contract", c.Path("contract"))
	if err != nil {
		return RegistrationJSON{}, err
	}
	reg, err := ReadRegistration(c.View(), a)
	return ToRegistration(reg), err
}

// list answers a page of registrations.
func list(c program.Call, page func(v engine.View, offset uint64, n int) (Page, error)) (ContractsJSON, error) {
	n, err := program.Limit(c)
	if err != nil {
		return ContractsJSON{}, err
	}
	var offset uint64
	if a := c.Query("after"); a != "" {
		if offset, err = strconv.ParseUint(a, 10, 64); err != nil {
			return ContractsJSON{}, errcode.Errorf(program.ErrQuery, "after=%q is not a cursor this list returned (an offset)", a)
		}
	}
	p, err := page(c.View(), offset, n)
	if err != nil {
		return ContractsJSON{}, err
	}
	out := ContractsJSON{Contracts: []RegistrationJSON{}, Total: p.Total}
	for _, reg := range p.Registrations {
		out.Contracts = append(out.Contracts, ToRegistration(reg))
	}
	if p.Next != 0 {
		out.Next = strconv.FormatUint(p.Next, 10)
	}
	return out, nil
}

func serveContracts(c program.Call) (ContractsJSON, error) { return list(c, Contracts) }

func serveDeployerContracts(c program.Call) (ContractsJSON, error) {
	a, err := parseAddressField("deployer", c.Path("address"))
	if err != nil {
		return ContractsJSON{}, err
	}
	return list(c, func(v engine.View, o uint64, n int) (Page, error) { return DeployerContracts(v, a, o, n) })
}

func serveWithdrawerContracts(c program.Call) (ContractsJSON, error) {
	a, err := parseAddressField("withdrawer", c.Path("address"))
	if err != nil {
		return ContractsJSON{}, err
	}
	return list(c, func(v engine.View, o uint64, n int) (Page, error) { return WithdrawerContracts(v, a, o, n) })
}

func serveCursor(c program.Call) (CursorJSON, error) {
	cur, err := ReadCursor(c.View())
	if err != nil {
		return CursorJSON{}, err
	}
	out := CursorJSON{Blocks: []BlockJSON{}}
	for _, b := range cur.Blocks {
		out.Blocks = append(out.Blocks, BlockJSON{Number: b.Number, Hash: b.Hash.Hex()})
	}
	if len(out.Blocks) > 0 {
		out.Head = &out.Blocks[len(out.Blocks)-1]
	}
	return out, nil
}

// serveGenesis answers the canonical bytes, as they are imported: export,
// import, export gives the same document.
func serveGenesis(c program.Call) (program.Raw, error) {
	g, err := ExportGenesis(c.View())
	if err != nil {
		return nil, err
	}
	return MarshalGenesis(g), nil
}

func serveImportGenesis(c program.Call, data program.RawBody) (program.Effect[GenesisJSON], error) {
	// Refuse a bad document before it becomes an operation.
	if _, _, _, err := ParseGenesis(data); err != nil {
		return program.Effect[GenesisJSON]{}, err
	}
	// What the import left, recorded: later registrations and parameter
	// changes change what is stored.
	return program.Record(ImportGenesis(c.Key(), c.Now(), data), func(v engine.View) (GenesisJSON, error) {
		p, err := ReadParams(v)
		if err != nil {
			return GenesisJSON{}, err
		}
		page, err := Contracts(v, 0, 1)
		if err != nil {
			return GenesisJSON{}, err
		}
		return GenesisJSON{Params: ToParams(p), Revenues: page.Total}, nil
	}), nil
}
