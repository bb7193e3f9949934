package splitbook

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/wire"
)

//go:embed routes.md
var docs string

// MemoMax bounds a payment's memo, which goes into every posting's path.
const MemoMax = 200

var splitID = program.Param{Name: "id", In: "path", Doc: "The split's ID.", Example: "album-1", Schema: "SplitId"}

// splitReaders read the split book.
var splitReaders = program.ConfigReaders

// Module is the split book's module: named splits and payments by them.
func Module() program.Module {
	return program.Module{
		Name: Program, Title: "Splits", Docs: docs,
		Routes: []program.Route{
			{Method: "POST", Path: "/v1/payments", ID: "createPayment", Roles: program.Ingestors, Status: program.Created, Handler: program.Write(servePay)},
			{Method: "GET", Path: "/v1/splits", ID: "listSplits", Roles: splitReaders, Params: []program.Param{program.LimitParam, program.AfterParam}, Handler: program.Read(serveList)},
			{Method: "POST", Path: "/v1/splits", ID: "createSplit", Roles: program.Configurators, Status: program.Created, Handler: program.Write(serveCreate)},
			{Method: "GET", Path: "/v1/splits/{id}", ID: "getSplit", Roles: splitReaders, Params: []program.Param{splitID}, Handler: program.Read(serveGet)},
			{Method: "PUT", Path: "/v1/splits/{id}", ID: "replaceSplit", Roles: program.Configurators, Params: []program.Param{splitID}, Handler: program.Write(serveReplace)},
		},
		Errors: []*errcode.Error{ErrExists, ErrSplitsMax},
		State: []program.StateKey{
			{Pattern: defKey("{id}"), Holds: "a split as it was written"},
			{Pattern: indexKey, Holds: "every split's nested splits and number of accounts"},
		},
	}
}

func put(c program.Call, d Def, replace bool) (program.Effect[Def], error) {
	return program.Answer(Put(c.Key(), c.Now(), d, replace, split.DefaultLimits), func(ledger.Entry) (Def, error) { return d, nil }), nil
}

func serveCreate(c program.Call, d Def) (program.Effect[Def], error) { return put(c, d, false) }

func serveReplace(c program.Call, r DefReplacement) (program.Effect[Def], error) {
	id, d := c.Path("id"), Def(r)
	if d.ID == "" {
		d.ID = id
	}
	if d.ID != id {
		return program.Effect[Def]{}, errcode.Errorf(program.ErrBadRequest, "body names split %q but the path names %q", d.ID, id)
	}
	return put(c, d, true)
}

func serveGet(c program.Call) (Def, error) {
	id := c.Path("id")
	d, ok, err := ReadDef(c.View(), id)
	if err == nil && !ok {
		err = errcode.Errorf(ledger.ErrNotFound, "split %q does not exist", id)
	}
	return d, err
}

func serveList(c program.Call) (ListJSON, error) {
	n, err := program.Limit(c)
	if err != nil {
		return ListJSON{}, err
	}
	after := ""
	if a := c.Query("after"); a != "" {
		parts, err := program.DecodeCursor(a, 1)
		if err != nil {
			return ListJSON{}, err
		}
		after = defKey(parts[0])
	}
	vals, err := c.List(defKey(""), after, n)
	if err != nil {
		return ListJSON{}, err
	}
	out := ListJSON{Splits: make([]Def, 0, len(vals))}
	for _, v := range vals {
		var d Def
		if err := json.Unmarshal(v.Value, &d); err != nil {
			return ListJSON{}, fmt.Errorf("split %s is corrupt: %w", v.Key, err)
		}
		out.Splits = append(out.Splits, d)
	}
	if len(vals) == n {
		out.Next = program.EncodeCursor(strings.TrimPrefix(vals[len(vals)-1].Key, defKey("")))
	}
	return out, nil
}

func servePay(c program.Call, req PaymentRequest) (program.Effect[wire.EntryJSON], error) {
	if err := ledger.ValidateAccount(req.From); err != nil {
		return program.Effect[wire.EntryJSON]{}, err
	}
	if len(req.Memo) > MemoMax {
		return program.Effect[wire.EntryJSON]{}, errcode.Errorf(program.ErrBadRequest, "memo is %d bytes; at most %d are allowed", len(req.Memo), MemoMax)
	}
	amt, err := program.Amount(c, req.Amount, req.Currency)
	if err != nil {
		return program.Effect[wire.EntryJSON]{}, err
	}
	return program.EntryAnswer(Pay(c.Key(), c.Now(), req.From, req.Split, amt, req.Currency, req.Memo, split.DefaultLimits)), nil
}
