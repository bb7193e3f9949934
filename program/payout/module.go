package payout

import (
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

//go:embed routes.md
var docs string

var (
	accountParam = program.Param{Name: "account", In: "path", Doc: "The internal account paid out.", Schema: "AccountName"}
	batchParam   = program.PathParam("id", "The batch's number.", "7")
	addressParam = program.PathParam("address", "The EVM address (0x and 40 hex digits).", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4")
)

// DestinationRequest registers a destination.
type DestinationRequest struct {
	// Destination is an external account (`@bank:…`, `@psp:…`) or an EVM
	// address (`0x` and 40 hex digits).
	Destination string `json:"destination"`
}

// DestinationList is a page of destinations.
type DestinationList struct {
	Destinations []Destination `json:"destinations"`
	// Next is the cursor of the next page; empty on the last.
	Next string `json:"next,omitempty"`
}

// BatchRequest asks for a payout batch.
type BatchRequest struct {
	Currency string `json:"currency" schema:"Currency"`
	// Minimum is the smallest available balance paid out, in base units;
	// the currency's withdrawal minimum applies when it is larger.
	Minimum wire.Amount `json:"minimum,omitempty"`
	// Program restricts the batch to accounts of a program (`<program>:`
	// prefixed); Prefix to accounts starting with it. At most one.
	Program string `json:"program,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
}

// BatchList is a page of batches, newest first.
type BatchList struct {
	Batches []Batch `json:"batches"`
	Next    string  `json:"next,omitempty"`
}

// PublishRequest publishes a batch, with the transaction that posted its
// root for a batch with on-chain lines.
type PublishRequest struct {
	Receipt *Receipt `json:"receipt,omitempty"`
}

// ResultsRequest records a provider's outcome for bank lines.
type ResultsRequest struct {
	Result     string   `json:"result" jsonschema:"enum=paid,enum=failed"`
	References []string `json:"references"`
}

// ProofJSON is an address's leaf in a batch's claims tree, its proof and
// the root: what the contract's claim takes.
type ProofJSON struct {
	Batch      uint64      `json:"batch"`
	Root       string      `json:"root"`
	Address    string      `json:"address"`
	Cumulative wire.Amount `json:"cumulative"`
	Proof      []string    `json:"proof"`
}

// ExportLine is one line of an export, in the shape payout providers take.
type ExportLine struct {
	Reference   string `json:"reference"`
	Destination string `json:"destination"`
	// Amount is in the currency's decimals; Units in base units.
	Amount   string      `json:"amount"`
	Units    wire.Amount `json:"units"`
	Currency string      `json:"currency"`
	Account  string      `json:"account"`
	Rail     string      `json:"rail"`
}

// Export is a batch with its lines and, when it has on-chain lines, its
// claims tree's leaves ([address, cumulative]): enough to check its total
// and recompute its root (tributary payout verify).
type Export struct {
	Batch  Batch        `json:"batch"`
	Lines  []ExportLine `json:"lines"`
	Leaves [][2]string  `json:"leaves,omitempty"`
}

// TreeDump is a claims tree in OpenZeppelin's StandardMerkleTree dump
// format (standard-v1), which @openzeppelin/merkle-tree loads.
type TreeDump struct {
	Format       string      `json:"format" jsonschema:"const=standard-v1"`
	LeafEncoding []string    `json:"leafEncoding"`
	Tree         []string    `json:"tree"`
	Values       []DumpValue `json:"values"`
}

// DumpValue is one leaf of a dump: [address, cumulative] and its node.
type DumpValue struct {
	Value     [2]string `json:"value"`
	TreeIndex int       `json:"treeIndex"`
}

// Module is the payout program's module.
func Module() program.Module {
	trees := &treeCache{}
	readers := []auth.Role{auth.Admin, auth.Reader, auth.Configurator}
	return program.Module{
		Name: Program, Title: "Payouts", Docs: docs,
		Routes: []program.Route{
			{Method: "GET", Path: "/v1/payout-destinations", ID: "listPayoutDestinations", Roles: readers, Params: []program.Param{program.AfterParam, program.LimitParam}, Handler: program.Read(serveListDestinations)},
			{Method: "GET", Path: "/v1/payout-destinations/{account}", ID: "getPayoutDestination", Roles: []auth.Role{auth.Admin, auth.Reader, auth.Configurator, auth.Payee}, Params: []program.Param{accountParam}, Handler: program.Read(serveGetDestination)},
			{Method: "PUT", Path: "/v1/payout-destinations/{account}", ID: "setPayoutDestination", Roles: program.Configurators, Params: []program.Param{accountParam}, Handler: program.Write(serveSetDestination)},
			{Method: "DELETE", Path: "/v1/payout-destinations/{account}", ID: "removePayoutDestination", Roles: program.Configurators, Params: []program.Param{accountParam}, Handler: program.Write(serveRemoveDestination)},
			{Method: "POST", Path: "/v1/payouts", ID: "createPayoutBatch", Roles: program.Admins, Status: program.Created, Handler: program.Write(serveRun)},
			{Method: "GET", Path: "/v1/payouts", ID: "listPayoutBatches", Roles: readers, Params: []program.Param{program.AfterParam, program.LimitParam}, Handler: program.Read(serveList)},
			{Method: "GET", Path: "/v1/payouts/{id}", ID: "getPayoutBatch", Roles: readers, Params: []program.Param{batchParam}, Handler: program.Read(serveGet)},
			{Method: "POST", Path: "/v1/payouts/{id}/cancel", ID: "cancelPayoutBatch", Roles: program.Admins, Params: []program.Param{batchParam}, Handler: program.Write(serveCancel)},
			{Method: "POST", Path: "/v1/payouts/{id}/publish", ID: "publishPayoutBatch", Roles: program.Admins, Params: []program.Param{batchParam}, Handler: program.Write(servePublish)},
			{Method: "POST", Path: "/v1/payouts/{id}/results", ID: "recordPayoutResults", Roles: program.Ingestors, Params: []program.Param{batchParam}, Handler: program.Write(serveResults)},
			{Method: "GET", Path: "/v1/payouts/{id}/export.json", ID: "exportPayoutBatch", Roles: readers, Params: []program.Param{batchParam}, Handler: program.ReadRaw[Export](serveExportJSON)},
			{Method: "GET", Path: "/v1/payouts/{id}/export.csv", ID: "exportPayoutBatchCSV", Roles: readers, Params: []program.Param{batchParam}, Handler: withContent(program.ReadRaw[string](serveExportCSV), "text/csv")},
			{Method: "GET", Path: "/v1/payouts/{id}/tree", ID: "getPayoutTree", Roles: []auth.Role{auth.Admin, auth.Reader, auth.Configurator, auth.Payee}, Params: []program.Param{batchParam}, Handler: program.ReadRaw[TreeDump](trees.serveDump)},
			{Method: "GET", Path: "/v1/payouts/{id}/proofs/{address}", ID: "getPayoutProof", Roles: []auth.Role{auth.Admin, auth.Reader, auth.Configurator, auth.Payee}, Params: []program.Param{batchParam, addressParam}, Handler: program.Read(trees.serveProof)},
		},
		Errors: []*errcode.Error{ErrLineReserved, ErrDestination, ErrDestinationTaken, ErrDestinationMissing, ErrDestinationOther, ErrEmpty, ErrOpen, ErrState, ErrLine, ErrResult, ErrClaim, ErrBatchID,
			ErrBatchMismatch, merkle.ErrNotInTree, merkle.ErrAddress},
		Verify: VerifyBatches,
		State: []program.StateKey{
			{Pattern: destinationKey("{account}"), Holds: "an account's payout destination"},
			{Pattern: "evm_owner/{address}", Holds: "the account an EVM address is the destination of"},
			{Pattern: nextKey, Holds: "the next batch's number"},
			{Pattern: "batch/{id}", Holds: "a batch: state, totals, counts, root, receipt"},
			{Pattern: "lines/{id}/{chunk}", Holds: "a batch's lines, 8192 a record"},
			{Pattern: "leaves/{id}/{chunk}", Holds: "a batch's claims tree's leaves, 8192 a record"},
			{Pattern: openKey("{currency}"), Holds: "the open batch of a currency"},
			{Pattern: treeKey("{currency}"), Holds: "the batch whose claims tree the next one builds on"},
			{Pattern: onchainKey("{currency}"), Holds: "published batches with unclaimed on-chain lines"},
			{Pattern: cursorKey("{contract}"), Holds: "the last block whose claims were applied"},
		},
	}
}

func withContent(h program.Handler, ct string) program.Handler { h.ContentType = ct; return h }

func serveListDestinations(c program.Call) (DestinationList, error) {
	n, err := program.Limit(c)
	if err != nil {
		return DestinationList{}, err
	}
	after := ""
	if cur := c.Query("after"); cur != "" {
		parts, err := program.DecodeCursor(cur, 1)
		if err != nil {
			return DestinationList{}, err
		}
		after = destinationKey(parts[0])
	}
	page, err := c.List(destinationPrefix, after, n)
	if err != nil {
		return DestinationList{}, err
	}
	out := DestinationList{Destinations: make([]Destination, 0, len(page))}
	for _, sv := range page {
		var d Destination
		if err := json.Unmarshal(sv.Value, &d); err != nil {
			return DestinationList{}, err
		}
		out.Destinations = append(out.Destinations, d)
	}
	if len(page) == n {
		out.Next = program.EncodeCursor(out.Destinations[len(page)-1].Account)
	}
	return out, nil
}

func serveGetDestination(c program.Call) (Destination, error) {
	account := c.Path("account")
	if err := ledger.ValidateAccount(account); err != nil {
		return Destination{}, err
	}
	if tok := c.Token(); tok.Role == auth.Payee && !tok.MayAct(account) {
		return Destination{}, errcode.Errorf(auth.ErrForbidden, "a payee token reads the destinations of its own accounts")
	}
	d, err := ReadDestination(c.View(), account)
	return d, program.InPath(err, ErrDestinationMissing)
}

func serveSetDestination(c program.Call, req DestinationRequest) (program.Effect[Destination], error) {
	account := c.Path("account")
	if _, err := ParseDestination(account, req.Destination); err != nil {
		return program.Effect[Destination]{}, err
	}
	return program.Record(SetDestination(c.Key(), c.Now(), account, req.Destination), func(v engine.View) (Destination, error) {
		return ReadDestination(v, account)
	}), nil
}

func serveRemoveDestination(c program.Call, _ program.NoBody) (program.Effect[wire.EntryJSON], error) {
	return program.EntryAnswer(RemoveDestination(c.Key(), c.Now(), c.Path("account"))), nil
}

// selection reads a batch request.
func selection(c program.Call, req BatchRequest) (Selection, error) {
	if _, err := c.Currencies().Lookup(req.Currency); err != nil {
		return Selection{}, err
	}
	if req.Program != "" && req.Prefix != "" {
		return Selection{}, errcode.Errorf(program.ErrBadRequest, "name a program or a prefix, not both")
	}
	sel := Selection{Currency: req.Currency, Prefix: req.Prefix}
	if req.Program != "" {
		sel.Prefix = req.Program + ":"
	}
	if req.Minimum != "" {
		m, err := money.ParseUnits(string(req.Minimum))
		if err != nil {
			return Selection{}, errcode.Errorf(program.ErrBadRequest, "minimum: %v", err)
		}
		sel.Minimum = m
	}
	if m, ok, err := engine.WithdrawalMinimum(c.View(), req.Currency); err != nil {
		return Selection{}, err
	} else if ok && m.Cmp(sel.Minimum) > 0 {
		sel.Minimum = m
	}
	return sel, nil
}

func serveRun(c program.Call, req BatchRequest) (program.Effect[Batch], error) {
	sel, err := selection(c, req)
	if err != nil {
		return program.Effect[Batch]{}, err
	}
	return program.Record(RunSelected(c.Key(), c.Now(), sel), func(v engine.View) (Batch, error) {
		raw, _, err := v.State(openKey(sel.Currency))
		if err != nil {
			return Batch{}, err
		}
		id, err := strconv.ParseUint(string(raw), 10, 64)
		if err != nil {
			return Batch{}, err
		}
		return ReadBatch(v, id)
	}), nil
}

func serveList(c program.Call) (BatchList, error) {
	n, err := program.Limit(c)
	if err != nil {
		return BatchList{}, err
	}
	after := ""
	if cur := c.Query("after"); cur != "" {
		parts, err := program.DecodeCursor(cur, 1)
		if err != nil {
			return BatchList{}, err
		}
		after = parts[0]
	}
	page, err := c.List(batchPrefix, after, n)
	if err != nil {
		return BatchList{}, err
	}
	out := BatchList{Batches: make([]Batch, 0, len(page))}
	for _, sv := range page {
		var b Batch
		if err := json.Unmarshal(sv.Value, &b); err != nil {
			return BatchList{}, err
		}
		out.Batches = append(out.Batches, b)
	}
	if len(page) == n {
		out.Next = program.EncodeCursor(page[len(page)-1].Key)
	}
	return out, nil
}

func pathBatch(c program.Call) (Batch, error) {
	id, err := ParseID(c.Path("id"))
	if err != nil {
		return Batch{}, err
	}
	b, err := ReadBatch(c.View(), id)
	return b, program.InPath(err, ledger.ErrNotFound)
}

func serveGet(c program.Call) (Batch, error) { return pathBatch(c) }

func recordBatch(op engine.Op, id uint64) program.Effect[Batch] {
	return program.Record(op, func(v engine.View) (Batch, error) { return ReadBatch(v, id) })
}

func serveCancel(c program.Call, _ program.NoBody) (program.Effect[Batch], error) {
	b, err := pathBatch(c)
	if err != nil {
		return program.Effect[Batch]{}, err
	}
	return recordBatch(Cancel(c.Key(), c.Now(), b.ID), b.ID), nil
}

func servePublish(c program.Call, req PublishRequest) (program.Effect[Batch], error) {
	b, err := pathBatch(c)
	if err != nil {
		return program.Effect[Batch]{}, err
	}
	if r := req.Receipt; r != nil {
		if _, err := merkle.ParseAddress(r.Contract); err != nil {
			return program.Effect[Batch]{}, err
		}
		if _, err := merkle.ParseHash(r.Tx); err != nil {
			return program.Effect[Batch]{}, err
		}
	}
	return recordBatch(Publish(c.Key(), c.Now(), b.ID, req.Receipt), b.ID), nil
}

func serveResults(c program.Call, req ResultsRequest) (program.Effect[Batch], error) {
	b, err := pathBatch(c)
	if err != nil {
		return program.Effect[Batch]{}, err
	}
	return recordBatch(Results(c.Key(), c.Now(), b.ID, req.Result, req.References), b.ID), nil
}

// BuildExport makes a batch's export from its stored lines and leaves.
func BuildExport(v engine.View, b Batch, cur money.Currency) (Export, error) {
	lines, err := ReadLines(v, b)
	if err != nil {
		return Export{}, err
	}
	out := Export{Batch: b, Lines: make([]ExportLine, len(lines))}
	for i, l := range lines {
		u, err := money.ParseUnits(string(l.Amount))
		if err != nil {
			return Export{}, err
		}
		out.Lines[i] = ExportLine{Reference: l.Ref, Destination: l.Destination, Amount: money.Format(u, cur), Units: l.Amount, Currency: b.Currency, Account: l.Account, Rail: l.Rail}
	}
	if b.Leaves > 0 {
		leaves, err := ReadLeaves(v, b)
		if err != nil {
			return Export{}, err
		}
		out.Leaves = make([][2]string, len(leaves))
		for i, l := range leaves {
			out.Leaves[i] = [2]string{lowerHex(l.Account), l.Cumulative.String()}
		}
	}
	return out, nil
}

func export(c program.Call) (Export, error) {
	b, err := pathBatch(c)
	if err != nil {
		return Export{}, err
	}
	cur, err := c.Currencies().Lookup(b.Currency)
	if err != nil {
		return Export{}, err
	}
	return BuildExport(c.View(), b, cur)
}

func serveExportJSON(c program.Call) (program.Raw, error) {
	ex, err := export(c)
	if err != nil {
		return nil, err
	}
	return json.Marshal(ex)
}

// CSV writes an export's bank lines as a payout provider's file:
// reference, destination, amount in decimals, currency.
func CSV(ex Export) []byte {
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	_ = w.Write([]string{"reference", "destination", "amount", "currency"})
	for _, l := range ex.Lines {
		if l.Rail == RailBank {
			_ = w.Write([]string{l.Reference, l.Destination, l.Amount, l.Currency})
		}
	}
	w.Flush()
	return []byte(sb.String())
}

func serveExportCSV(c program.Call) (program.Raw, error) {
	ex, err := export(c)
	if err != nil {
		return nil, err
	}
	return CSV(ex), nil
}

// treeCache keeps the claims trees of the batches last asked about: a
// batch's tree never changes once made, and a proof from a built tree is
// a few hashes.
type treeCache struct {
	mu    sync.Mutex
	trees []cachedTree
}

type cachedTree struct {
	id   uint64
	tree *merkle.Tree
}

const treesCached = 4

func (tc *treeCache) get(c program.Call) (Batch, *merkle.Tree, error) {
	b, err := pathBatch(c)
	if err != nil {
		return b, nil, err
	}
	if b.Leaves == 0 {
		return b, nil, errcode.Errorf(merkle.ErrNotInTree, "batch %d has no on-chain lines, hence no claims tree", b.ID)
	}
	tc.mu.Lock()
	for _, t := range tc.trees {
		if t.id == b.ID {
			tc.mu.Unlock()
			return b, t.tree, nil
		}
	}
	tc.mu.Unlock()
	leaves, err := ReadLeaves(c.View(), b)
	if err != nil {
		return b, nil, err
	}
	t, err := merkle.Build(leaves)
	if err != nil {
		return b, nil, err
	}
	tc.mu.Lock()
	tc.trees = append(tc.trees, cachedTree{b.ID, t})
	if len(tc.trees) > treesCached {
		tc.trees = tc.trees[1:]
	}
	tc.mu.Unlock()
	return b, t, nil
}

func (tc *treeCache) serveProof(c program.Call) (ProofJSON, error) {
	a, err := merkle.ParseAddress(c.Path("address"))
	if err != nil {
		return ProofJSON{}, err
	}
	b, t, err := tc.get(c)
	if err != nil {
		return ProofJSON{}, err
	}
	p, err := t.Proof(a)
	if err != nil {
		return ProofJSON{}, err
	}
	return ProofOf(b.ID, t.Root(), p), nil
}

// ProofOf is a proof as answered.
func ProofOf(batch uint64, root merkle.Hash, p merkle.Proof) ProofJSON {
	out := ProofJSON{Batch: batch, Root: root.Hex(), Address: p.Leaf.Account.Hex(), Cumulative: wire.Amount(p.Leaf.Cumulative.String()), Proof: make([]string, len(p.Hashes))}
	for i, h := range p.Hashes {
		out.Proof[i] = h.Hex()
	}
	return out
}

func (tc *treeCache) serveDump(c program.Call) (program.Raw, error) {
	_, t, err := tc.get(c)
	if err != nil {
		return nil, err
	}
	return t.Dump(), nil
}
