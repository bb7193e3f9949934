package deps

import (
	"bytes"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/split"
)

// Visibilities of a repo. A private (closed-source) repo pays the private
// class's rate, higher, as the seed says.
const (
	Public  = "public"
	Private = "private"
)

// Limits on what a repo holds.
const (
	// IDMaxLen bounds repo IDs and package names.
	IDMaxLen = 256
	// PackagesMax bounds the packages one repo publishes.
	PackagesMax = 1000
	// MultiplierMax is the largest multiplier: 100.
	MultiplierMax = 100 * DecimalOne
)

// Repo is a linked repo: who owns it, what it pays from, what it publishes
// and how it takes and gives streams.
type Repo struct {
	// ID is "github.com/owner/name" or an ecosystem name ("npm:date-fp").
	ID string `json:"id"`
	// Owner is the account that owns the repo: a payee token for it may
	// apply its asset.toml, and its income lands there when the repo names
	// no contributors.
	Owner string `json:"owner" schema:"AccountName"`
	// Treasury is the account the repo's streams are paid from.
	Treasury   string `json:"treasury" schema:"AccountName"`
	Visibility string `json:"visibility" jsonschema:"enum=public,enum=private"`
	// ForkOf names the repo this one is a fork of, if any.
	ForkOf string `json:"fork_of,omitempty"`
	// Packages are the packages it publishes ("npm:date-fp"), mapped by a
	// configurator or an admin, never by the repo itself.
	Packages []string `json:"packages"`
	// Asset is its asset.toml as last applied.
	Asset Asset `json:"asset"`
	// Meta is the fallback metadata, set by a configurator.
	Meta Meta `json:"meta"`
	// Graph is what its last lockfile resolved to.
	Graph *Graph `json:"graph,omitempty"`
}

// Meta is the fallback metadata: what weighs a dependency of a repo that
// sends no beacons.
type Meta struct {
	Stars     uint64 `json:"stars"`
	Commits90 uint64 `json:"commits_90d"`
	// What the sleeper pool scores: the repo's age in days, its
	// dependents, its releases without a breaking change, and its open
	// security advisories (a repo with any is not a sleeper).
	AgeDays        uint64 `json:"age_days,omitempty"`
	Dependents     uint64 `json:"dependents,omitempty"`
	StableReleases uint64 `json:"stable_releases,omitempty"`
	OpenAdvisories uint64 `json:"open_advisories,omitempty"`
}

// Asset is a repo's asset.toml.
type Asset struct {
	// Multiplier scales what the repo pays: 1.0 is the default rate, 0 to
	// 100.
	Multiplier Decimal `json:"multiplier"`
	// Acceptance is the part of what it keeps that it takes, 0 to 1; 0
	// refuses every stream (a "free forever" pledge).
	Acceptance Decimal `json:"acceptance"`
	// AllowForks lets it take streams from payers that are forks.
	AllowForks bool `json:"allow_forks"`
	// PassBP[d-1] is, for streams this repo pays, the basis points a
	// dependency at depth d passes on to its own dependencies, when
	// PassSet; otherwise the program's default applies.
	PassBP []uint64 `json:"pass_bp,omitempty"`
	// PassSet says the asset.toml set pass_bp (an empty list passes
	// nothing).
	PassSet bool `json:"pass_set,omitempty"`
	// Contributors split the repo's income, basis points summing to 10000;
	// none sends it to the owner. An account "split:<id>" is the split
	// book's split <id> (contributors.go).
	Contributors []split.Share `json:"contributors,omitempty"`
}

// DefaultAsset is what a repo that never applied an asset.toml has.
func DefaultAsset() Asset { return Asset{Multiplier: DecimalOne, Acceptance: DecimalOne} }

// assetTOML is asset.toml as written: decimals keep their text.
type assetTOML struct {
	Royalties struct {
		Multiplier *rawDecimal `toml:"multiplier"`
		Acceptance *rawDecimal `toml:"acceptance"`
		AllowForks bool        `toml:"allow_forks"`
		PassBP     *[]uint64   `toml:"pass_bp"`
	} `toml:"royalties"`
	Contributors []struct {
		Account string `toml:"account"`
		Share   uint64 `toml:"share"`
	} `toml:"contributors"`
}

// rawDecimal keeps a TOML value's text, so that 1.0 is read as the decimal
// it is written as, never through a binary float.
type rawDecimal string

// UnmarshalTOML keeps the value's bytes.
func (r *rawDecimal) UnmarshalTOML(data []byte) error {
	*r = rawDecimal(strings.TrimSpace(string(data)))
	return nil
}

// AssetBytesMax bounds an asset.toml.
const AssetBytesMax = 64 << 10

// ParseAsset reads an asset.toml and checks it (see Asset.Validate).
//
// Errors: ErrAsset (the TOML does not parse, or holds an unknown key), and
// those of Validate.
func ParseAsset(data []byte) (Asset, error) {
	if len(data) > AssetBytesMax {
		return Asset{}, errcode.Errorf(ErrAsset, "asset.toml is %d bytes; at most %d are allowed", len(data), AssetBytesMax)
	}
	var raw assetTOML
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().EnableUnmarshalerInterface()
	if err := dec.Decode(&raw); err != nil {
		return Asset{}, errcode.Errorf(ErrAsset, "asset.toml: %v", err)
	}
	a := DefaultAsset()
	var err error
	if r := raw.Royalties.Multiplier; r != nil {
		if a.Multiplier, err = ParseDecimal("royalties.multiplier", string(*r), MultiplierMax); err != nil {
			return Asset{}, err
		}
	}
	if r := raw.Royalties.Acceptance; r != nil {
		if a.Acceptance, err = ParseDecimal("royalties.acceptance", string(*r), DecimalOne); err != nil {
			return Asset{}, err
		}
	}
	a.AllowForks = raw.Royalties.AllowForks
	if p := raw.Royalties.PassBP; p != nil {
		a.PassBP, a.PassSet = *p, true
	}
	for _, c := range raw.Contributors {
		a.Contributors = append(a.Contributors, split.Share{Account: c.Account, ShareBP: c.Share})
	}
	return a, a.Validate()
}

// Validate checks an asset's ranges and its contributors' split.
//
// Errors: ErrDecimal, ErrAsset, split's errors for the contributors.
func (a Asset) Validate() error {
	if a.Multiplier > MultiplierMax {
		return errcode.Errorf(ErrDecimal, "royalties.multiplier = %s; want 0 to 100", a.Multiplier)
	}
	if a.Acceptance > DecimalOne {
		return errcode.Errorf(ErrDecimal, "royalties.acceptance = %s; want 0 to 1", a.Acceptance)
	}
	if len(a.PassBP) > DepthLimit {
		return errcode.Errorf(ErrAsset, "royalties.pass_bp has %d depths; at most %d", len(a.PassBP), DepthLimit)
	}
	for d, bp := range a.PassBP {
		if bp > 10000 {
			return errcode.Errorf(ErrAsset, "royalties.pass_bp[%d] = %d; want 0 to 10000 basis points", d, bp)
		}
	}
	if len(a.Contributors) == 0 {
		return nil
	}
	rs := make([]split.Receiver, len(a.Contributors))
	for i, c := range a.Contributors {
		rs[i] = split.Receiver{Account: c.Account, Share: c.ShareBP}
	}
	return split.Split{ID: "contributors", Unit: split.BasisPoints, Receivers: rs}.Validate(split.Limits{})
}

// ValidateRepo checks a repo's own fields (not its packages' mapping,
// which needs the other repos).
//
// Errors: ErrRepoID, ErrRepo, ledger.ErrAccount.
func ValidateRepo(r Repo) error {
	if err := ValidateID("repo ID", r.ID); err != nil {
		return err
	}
	for _, acct := range []string{r.Owner, r.Treasury} {
		if err := ledger.ValidateAccount(acct); err != nil {
			return err
		}
		if ledger.IsExternal(acct) {
			return errcode.Errorf(ErrRepo, "repo %s: account %q is external; owner and treasury are accounts of this ledger", r.ID, acct)
		}
	}
	if r.Visibility != Public && r.Visibility != Private {
		return errcode.Errorf(ErrRepo, "repo %s: visibility %q; want %q or %q", r.ID, r.Visibility, Public, Private)
	}
	if r.ForkOf != "" {
		if err := ValidateID("fork_of", r.ForkOf); err != nil {
			return err
		}
		if r.ForkOf == r.ID {
			return errcode.Errorf(ErrRepo, "repo %s is a fork of itself", r.ID)
		}
	}
	return nil
}

// ValidateID checks a repo ID or a package name: 1 to IDMaxLen bytes,
// printable ASCII without spaces.
//
// Errors: ErrRepoID.
func ValidateID(what, id string) error {
	if id == "" || len(id) > IDMaxLen {
		return errcode.Errorf(ErrRepoID, "%s %q must be 1 to %d bytes", what, id, IDMaxLen)
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] >= 0x7f {
			return errcode.Errorf(ErrRepoID, "%s %q holds a space or a byte outside printable ASCII", what, id)
		}
	}
	return nil
}

// ValidatePackage checks a package name: "ecosystem:name" with a known
// ecosystem (npm, cargo, go, pypi) and no version.
//
// Errors: ErrRepoID.
func ValidatePackage(p string) error {
	if err := ValidateID("package", p); err != nil {
		return err
	}
	eco, name, ok := strings.Cut(p, ":")
	switch {
	case !ok || name == "":
		return errcode.Errorf(ErrRepoID, "package %q; want ecosystem:name such as npm:date-fp", p)
	case eco != "npm" && eco != "cargo" && eco != "go" && eco != "pypi":
		return errcode.Errorf(ErrRepoID, "package %q: ecosystem %q; want npm, cargo, go or pypi", p, eco)
	}
	return nil
}
