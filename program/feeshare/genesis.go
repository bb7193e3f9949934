package feeshare

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
)

// Genesis is the seed's GenesisState: the parameters and the registered
// contracts, in the seed's JSON shape (contract as hex, deployer and
// withdrawer as bech32), with contracts sorted by address so that export,
// import, export gives the same bytes.
type Genesis struct {
	Params   GenesisParams    `json:"params"`
	Revenues []GenesisRevenue `json:"revenues" jsonschema:"maxItems=10000"`
}

// GenesisParams are Params as the seed writes them: the share as a decimal.
type GenesisParams struct {
	EnableRevenue bool `json:"enable_revenue"`
	// On export an exact decimal (`0.5`); on import also basis points or
	// percent, as in `PUT /v1/feeshare/params`.
	DeveloperShares          string `json:"developer_shares" jsonschema:"maxLength=32"`
	AddrDerivationCostCreate uint64 `json:"addr_derivation_cost_create" jsonschema:"minimum=0,maximum=1099511627776"`
}

// GenesisRevenue is the seed's Revenue.
type GenesisRevenue struct {
	// Hex on export.
	ContractAddress string `json:"contract_address" schema:"FeeshareAddress"`
	// Bech32 on export.
	DeployerAddress string `json:"deployer_address" schema:"FeeshareAddress"`
	// Bech32 on export; absent when the deployer is paid.
	WithdrawerAddress string `json:"withdrawer_address,omitempty" schema:"FeeshareAddress"`
}

// genesisBytesMax bounds a genesis document.
const genesisBytesMax = 4 << 20

// ExportGenesis reads the parameters and every registration.
func ExportGenesis(v engine.View) (Genesis, error) {
	p, err := ReadParams(v)
	if err != nil {
		return Genesis{}, err
	}
	g := Genesis{Params: GenesisParams{EnableRevenue: p.EnableRevenue, DeveloperShares: FormatShares(p.DeveloperSharesBP), AddrDerivationCostCreate: p.AddrDerivationCostCreate}, Revenues: []GenesisRevenue{}}
	var regs []Registration
	for offset := uint64(0); ; {
		page, err := Contracts(v, offset, PageMax)
		if err != nil {
			return Genesis{}, err
		}
		regs = append(regs, page.Registrations...)
		if page.Next == 0 {
			break
		}
		offset = page.Next
	}
	slices.SortFunc(regs, func(a, b Registration) int { return bytes.Compare(a.Contract[:], b.Contract[:]) })
	for _, r := range regs {
		g.Revenues = append(g.Revenues, GenesisRevenue{ContractAddress: r.Contract.Hex(), DeployerAddress: r.Deployer.Bech32(), WithdrawerAddress: withdrawerAttr(r.Withdrawer)})
	}
	return g, nil
}

// MarshalGenesis writes g canonically: indented JSON and a final newline.
func MarshalGenesis(g Genesis) []byte {
	if g.Revenues == nil {
		g.Revenues = []GenesisRevenue{}
	}
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		panic(err) // strings, bools and numbers always encode
	}
	return append(b, '\n')
}

// ParseGenesis reads and checks a genesis document: known fields only,
// valid parameters and addresses, no zero or duplicate contract, at most
// GenesisMax registrations.
//
// Errors: ErrGenesis, ErrShares, ErrParams, and the address errors.
func ParseGenesis(data []byte) (Genesis, []Registration, Params, error) {
	if len(data) > genesisBytesMax {
		return Genesis{}, nil, Params{}, errcode.Errorf(ErrGenesis, "genesis is %d bytes; at most %d are allowed", len(data), genesisBytesMax)
	}
	var g Genesis
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return Genesis{}, nil, Params{}, errcode.Errorf(ErrGenesis, "genesis is not valid JSON of the seed's shape: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Genesis{}, nil, Params{}, errcode.Errorf(ErrGenesis, "genesis has data after its JSON object")
	}
	if len(g.Revenues) > GenesisMax {
		return Genesis{}, nil, Params{}, errcode.Errorf(ErrGenesis, "genesis has %d revenues; at most %d are imported at once", len(g.Revenues), GenesisMax)
	}
	bp, err := ParseShares(g.Params.DeveloperShares)
	if err != nil {
		return Genesis{}, nil, Params{}, err
	}
	p := Params{EnableRevenue: g.Params.EnableRevenue, DeveloperSharesBP: bp, AddrDerivationCostCreate: g.Params.AddrDerivationCostCreate}
	if err := p.Validate(); err != nil {
		return Genesis{}, nil, Params{}, err
	}
	seen := make(map[Address]bool, len(g.Revenues))
	regs := make([]Registration, 0, len(g.Revenues))
	for i, gr := range g.Revenues {
		r, err := genesisRevenue(gr)
		if err != nil {
			return Genesis{}, nil, Params{}, errcode.Errorf(ErrGenesis, "revenue %d: %v", i+1, err)
		}
		if seen[r.Contract] {
			return Genesis{}, nil, Params{}, errcode.Errorf(ErrGenesis, "revenue %d: contract %s is listed twice", i+1, r.Contract.Hex())
		}
		seen[r.Contract] = true
		regs = append(regs, r)
	}
	return g, regs, p, nil
}

func genesisRevenue(gr GenesisRevenue) (Registration, error) {
	c, err := ParseAddress(gr.ContractAddress)
	if err != nil {
		return Registration{}, err
	}
	if c.IsZero() {
		return Registration{}, errcode.Errorf(ErrContractZero, "contract address is the zero address")
	}
	d, err := ParseAddress(gr.DeployerAddress)
	if err != nil {
		return Registration{}, err
	}
	if d.IsZero() {
		return Registration{}, errcode.Errorf(ErrAddressZero, "deployer address is the zero address")
	}
	r := Registration{Contract: c, Deployer: d, By: byGenesis}
	if gr.WithdrawerAddress != "" {
		w, err := ParseAddress(gr.WithdrawerAddress)
		if err != nil {
			return Registration{}, err
		}
		if w.IsZero() {
			return Registration{}, errcode.Errorf(ErrAddressZero, "withdrawer address is the zero address")
		}
		if w != d {
			r.Withdrawer = &w
		}
	}
	return r, nil
}

// ImportGenesis sets the parameters and registers every contract of a
// parsed genesis, in one operation, into a program that has no
// registrations yet (a genesis starts a chain; it does not merge).
//
// Refusals: ErrGenesisState, and those of ParseGenesis.
func ImportGenesis(key string, at time.Time, data []byte) engine.Op {
	doc := compactOr(data)
	return op(key, "genesis", at, func(h *ledger.Hasher) { h.String(string(doc)) }, json.RawMessage(doc), func(v engine.View) (engine.Change, error) {
		_, regs, p, err := ParseGenesis(data)
		if err != nil {
			return engine.Change{}, err
		}
		s := newStateTx(v)
		n, err := s.count(allIndex)
		if err != nil {
			return engine.Change{}, err
		}
		if n > 0 {
			return engine.Change{}, errcode.Errorf(ErrGenesisState, "%d contracts are registered; genesis is imported into an empty program only", n)
		}
		s.put(paramsKey, p)
		for _, r := range regs {
			// Like any registration: from the block after the last one
			// applied (every block, in a program that applied none).
			rec, err := s.readRecord(r.Contract)
			if err != nil {
				return engine.Change{}, err
			}
			if r.From, err = s.effectiveFrom(0, &rec); err != nil {
				return engine.Change{}, err
			}
			if err := s.addRegistration(r); err != nil {
				return engine.Change{}, err
			}
		}
		s.events = append(s.events, engine.Event{Type: engine.EventConfigChanged, Data: mustJSON(map[string]any{"kind": "feeshare_genesis", "id": "genesis", "action": "imported", "revenues": len(regs)})})
		return s.config("feeshare:genesis"), nil
	})
}

// compactOr returns data compacted when it is JSON (so that whitespace does
// not change the request's identity) and a JSON string of it otherwise, so
// that its digest (and the legacy one, its JSON) can always be made; the operation then refuses it.
func compactOr(data []byte) []byte {
	var b bytes.Buffer
	if len(data) <= genesisBytesMax && json.Compact(&b, data) == nil {
		return b.Bytes()
	}
	s, _ := json.Marshal(string(data[:min(len(data), 256)]))
	return s
}
