// Package collection is the program of seed 001 (SHARE collections):
// tracks with per-track splits, and collections (playlists, albums) sold at
// a price of their own. Each purchase of a collection pays one track, the
// next in a rotation over its tracks, its full price by its split; the
// surplus (the collection's price minus that track's) goes to the
// collection's creator, or by the collection's own split. On top of the
// price the buyer pays a protocol fee and the payment processor's fee,
// grossed up so that the buyer's total covers both.
//
// The rules here are pure: configuration, state, amounts in, postings and
// new state out. Fees round so that the buyer's total is never short: the
// protocol fee rounds down, the total rounds up to the currency's unit, and
// the processor gets the rest of the total.
package collection

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
)

// Program names the collection program's state and entries.
const Program = "collection"

// TotalBP is 100% in basis points.
const TotalBP = 10000

// Limits.
const (
	// TracksMax bounds the tracks of one collection.
	TracksMax = 1000
	// CollectionsPerTrackMax bounds how many collections one track is in,
	// since a price change checks every one of them.
	CollectionsPerTrackMax = 1000
	// RecipientsMax bounds a track's or a collection's split.
	RecipientsMax = 100
	// IDMaxLen bounds track and collection IDs.
	IDMaxLen = 64
)

// Errors.
var (
	ErrConfig      = errcode.New(errcode.Unprocessable, "collection_config_invalid", "collection configuration is invalid")
	ErrID          = errcode.New(errcode.Invalid, "collection_id_invalid", "track or collection ID is invalid")
	ErrExists      = errcode.New(errcode.Conflict, "collection_exists", "a track or collection with this ID exists")
	ErrPrice       = errcode.New(errcode.Unprocessable, "collection_price_invalid", "price is invalid")
	ErrPriceRule   = errcode.New(errcode.Unprocessable, "collection_price_below_track", "a collection's price must be at least its dearest track's")
	ErrEmpty       = errcode.New(errcode.Unprocessable, "collection_empty", "a collection needs at least one track")
	ErrDuplicate   = errcode.New(errcode.Unprocessable, "collection_track_duplicate", "a track is in the collection twice")
	ErrCurrency    = errcode.New(errcode.Unprocessable, "collection_currency_mismatch", "amounts are in different currencies")
	ErrTracksMax   = errcode.New(errcode.Unprocessable, "collection_tracks_max", "too many tracks or collections")
	ErrTrackLimits = errcode.New(errcode.Unprocessable, "collection_track_in_too_many", "the track is in too many collections")
)

// Fees are what a purchase costs on top of the price.
type Fees struct {
	// The protocol fee, of the price, to the treasury, in basis points out of
	// 10000 (500 is 5%); rounded down.
	ProtocolBP uint64 `json:"protocol_fee_bp" jsonschema:"minimum=0,maximum=10000"`
	// The processor's rate, of the buyer's total, in basis points (290 is 2.9%);
	// below 10000.
	ProcessorBP uint64 `json:"processor_fee_bp" jsonschema:"minimum=0,maximum=9999"`
	// The processor's fixed part per purchase, a decimal in whole units of the
	// purchase's currency (not base units), such as "0.30".
	ProcessorFix string `json:"processor_fee_fix" jsonschema:"pattern=^[0-9]+(\\.[0-9]+)?$"`
}

// Config is the program's configuration.
type Config struct {
	Fees Fees `json:"fees"`
	// The internal account receiving protocol fees, such as
	// `collection:treasury`.
	Treasury string `json:"treasury" schema:"AccountName"`
	// The account receiving processor fees, usually external (the fee leaves
	// with the processor), such as `@processor`.
	Processor string `json:"processor" schema:"AccountName"`
}

// DefaultConfig is the seed's: a 5% protocol fee; 2.9% + 0.30 processing.
func DefaultConfig() Config {
	return Config{Fees: Fees{ProtocolBP: 500, ProcessorBP: 290, ProcessorFix: "0.30"}, Treasury: "collection:treasury", Processor: "@processor"}
}

// Validate checks rates and accounts.
func (c Config) Validate(currencies ledger.Currencies) error {
	if c.Fees.ProtocolBP > TotalBP || c.Fees.ProcessorBP >= TotalBP {
		return errcode.Errorf(ErrConfig, "fees are %d bp protocol and %d bp processor; want at most 10000 and below 10000", c.Fees.ProtocolBP, c.Fees.ProcessorBP)
	}
	if _, err := money.Parse(c.Fees.ProcessorFix, money.Currency{Code: "FIX", Decimals: 18}); err != nil {
		return errcode.Errorf(ErrConfig, "processor_fee_fix %q: %v", c.Fees.ProcessorFix, err)
	}
	if err := ledger.ValidateAccount(c.Treasury); err != nil || ledger.IsExternal(c.Treasury) {
		return errcode.Errorf(ErrConfig, "treasury %q must be an internal account", c.Treasury)
	}
	if err := ledger.ValidateAccount(c.Processor); err != nil {
		return errcode.Errorf(ErrConfig, "processor: %v", err)
	}
	return nil
}

// Recipient is one line of a split.
type Recipient = split.Share

// Track is a track with its price and split.
type Track struct {
	ID string `json:"id" schema:"CollectionId"`
	// The price in base units.
	Price money.Amount `json:"price" schema:"Amount"`
	// The currency it is sold in.
	Currency string `json:"currency"`
	// Who receives the price.
	Split []Recipient `json:"split"`
	// The collections that contain the track, kept by the program; omitted when
	// there are none.
	Collections []string `json:"collections,omitempty" schema:"CollectionId"`
}

// Collection is a playlist or album.
type Collection struct {
	ID      string `json:"id" schema:"CollectionId"`
	Creator string `json:"creator" schema:"AccountName"`
	// The price in base units.
	Price    money.Amount `json:"price" schema:"Amount"`
	Currency string       `json:"currency"`
	// The tracks, in rotation order.
	Tracks []string `json:"tracks" schema:"CollectionId"`
	// The split of the surplus; omitted when it goes to the creator.
	Split []Recipient `json:"split,omitempty"`
	// The rotation: the index in `tracks` of the track the next purchase pays.
	Next int `json:"next" jsonschema:"minimum=0"`
}

// ValidateID checks a track or collection ID.
func ValidateID(id string) error {
	if id == "" || len(id) > IDMaxLen {
		return errcode.Errorf(ErrID, "ID %q must be 1 to %d bytes", id, IDMaxLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:-", c) >= 0) {
			return errcode.Errorf(ErrID, "ID %q has %q; want letters, digits and . _ : -", id, c)
		}
	}
	return nil
}

func validateSplit(rs []Recipient) error {
	return split.OfShares("collection", rs).Validate(split.Limits{ReceiversMax: RecipientsMax})
}

// ValidateTrack checks a track on its own.
func ValidateTrack(t Track, currencies ledger.Currencies) error {
	if err := ValidateID(t.ID); err != nil {
		return err
	}
	if _, err := currencies.Lookup(t.Currency); err != nil {
		return err
	}
	if t.Price.IsZero() {
		return errcode.Errorf(ErrPrice, "track %s has price zero; want at least one base unit", t.ID)
	}
	return validateSplit(t.Split)
}

// ValidateCollection checks a collection against its tracks (which must
// all be given): at least one, none twice, the same currency, and a price at
// least the dearest track's.
func ValidateCollection(c Collection, tracks map[string]Track, currencies ledger.Currencies) error {
	if err := ValidateID(c.ID); err != nil {
		return err
	}
	if err := ledger.ValidateAccount(c.Creator); err != nil || ledger.IsExternal(c.Creator) {
		return errcode.Errorf(ErrConfig, "creator %q must be an internal account", c.Creator)
	}
	if _, err := currencies.Lookup(c.Currency); err != nil {
		return err
	}
	if len(c.Tracks) == 0 {
		return errcode.Errorf(ErrEmpty, "collection %s has no tracks", c.ID)
	}
	if len(c.Tracks) > TracksMax {
		return errcode.Errorf(ErrTracksMax, "collection %s has %d tracks; at most %d are allowed", c.ID, len(c.Tracks), TracksMax)
	}
	if c.Split != nil {
		if err := validateSplit(c.Split); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, id := range c.Tracks {
		if seen[id] {
			return errcode.Errorf(ErrDuplicate, "track %s is in collection %s twice", id, c.ID)
		}
		seen[id] = true
		t, ok := tracks[id]
		if !ok {
			return errcode.Errorf(ledger.ErrNotFound, "track %q does not exist", id)
		}
		if t.Currency != c.Currency {
			return errcode.Errorf(ErrCurrency, "track %s is priced in %s, collection %s in %s", id, t.Currency, c.ID, c.Currency)
		}
		if c.Price.Cmp(t.Price) < 0 {
			return errcode.Errorf(ErrPriceRule, "collection %s costs %s but track %s costs %s; the collection's price must be at least its dearest track's", c.ID, c.Price, id, t.Price)
		}
	}
	return nil
}

// Quote is what a purchase of a given price costs the buyer.
type Quote struct {
	Price     money.Amount
	Protocol  money.Amount // floor(price × protocol bp)
	Processor money.Amount // total − price − protocol
	Total     money.Amount // ceil((price + protocol + fix) / (1 − processor bp)), to the unit
}

// Gross computes the buyer's total for price in cur: it covers the price,
// the protocol fee and the processor's fee on the total itself, rounded up
// to the currency's unit so that the total is never short.
//
// Errors: ErrConfig (a fixed fee with more decimals than the currency),
// money.ErrOverflow.
func Gross(fees Fees, price money.Amount, cur money.Currency) (Quote, error) {
	fix, err := money.Parse(fees.ProcessorFix, cur)
	if err != nil {
		return Quote{}, errcode.Errorf(ErrConfig, "processor_fee_fix %q in %s: %v", fees.ProcessorFix, cur.Code, err)
	}
	protocol, _, err := price.MulDiv(fees.ProtocolBP, TotalBP)
	if err != nil {
		return Quote{}, err
	}
	net, err := price.Add(protocol)
	if err == nil {
		net, err = net.Add(fix)
	}
	if err != nil {
		return Quote{}, err
	}
	total, rem, err := net.MulDiv(TotalBP, TotalBP-fees.ProcessorBP)
	if err != nil {
		return Quote{}, err
	}
	if rem != 0 {
		if total, err = total.Add(money.FromUint64(1)); err != nil {
			return Quote{}, err
		}
	}
	processor, _ := total.Sub(price)
	processor, _ = processor.Sub(protocol)
	return Quote{Price: price, Protocol: protocol, Processor: processor, Total: total}, nil
}

func pct(bp uint64) string { return split.FormatShare(split.BasisPoints, bp, TotalBP) }

// byShares pays amount by rs from from, with paths under prefix.
func byShares(ps []ledger.Posting, rs []Recipient, amount money.Amount, currency, from, prefix string) []ledger.Posting {
	if amount.IsZero() {
		return ps
	}
	parts, err := split.AllocateShares(amount, rs)
	if err != nil {
		panic(err) // splits are validated when set
	}
	for i, p := range parts {
		if !p.IsZero() {
			ps = append(ps, ledger.Posting{From: from, To: rs[i].Account, Currency: currency, Amount: p, Path: prefix + " → split " + pct(rs[i].ShareBP) + " → " + rs[i].Account})
		}
	}
	return ps
}

func fees(cfg Config, q Quote, currency, from, prefix string) []ledger.Posting {
	var ps []ledger.Posting
	if !q.Protocol.IsZero() {
		ps = append(ps, ledger.Posting{From: from, To: cfg.Treasury, Currency: currency, Amount: q.Protocol, Path: prefix + " → protocol fee " + pct(cfg.Fees.ProtocolBP) + " → " + cfg.Treasury})
	}
	if !q.Processor.IsZero() {
		ps = append(ps, ledger.Posting{From: from, To: cfg.Processor, Currency: currency, Amount: q.Processor, Path: prefix + " → processor fee " + pct(cfg.Fees.ProcessorBP) + " + " + cfg.Fees.ProcessorFix + " → " + cfg.Processor})
	}
	return ps
}

// BuyTrack returns the postings of buying a track on its own: its price by
// its split, and the fees on top.
func BuyTrack(cfg Config, t Track, cur money.Currency, buyer string) ([]ledger.Posting, Quote, error) {
	q, err := Gross(cfg.Fees, t.Price, cur)
	if err != nil {
		return nil, q, err
	}
	prefix := "track:" + t.ID
	ps := fees(cfg, q, t.Currency, buyer, prefix)
	return byShares(ps, t.Split, t.Price, t.Currency, buyer, prefix), q, nil
}

// BuyCollection returns the postings of buying a collection: the track next
// in rotation is paid its full price by its split, the surplus goes to the
// creator (or by the collection's split), the fees on top; and the
// collection with its rotation advanced.
func BuyCollection(cfg Config, c Collection, next Track, cur money.Currency, buyer string) ([]ledger.Posting, Collection, Quote, error) {
	if next.ID != c.Tracks[c.Next] {
		panic(fmt.Sprintf("collection: %s's next track is %s, not %s", c.ID, c.Tracks[c.Next], next.ID))
	}
	q, err := Gross(cfg.Fees, c.Price, cur)
	if err != nil {
		return nil, c, q, err
	}
	prefix := "collection:" + c.ID
	ps := fees(cfg, q, c.Currency, buyer, prefix)
	trackPrefix := fmt.Sprintf("%s → track:%s (rotation %d of %d)", prefix, next.ID, c.Next+1, len(c.Tracks))
	ps = byShares(ps, next.Split, next.Price, c.Currency, buyer, trackPrefix)
	surplus, err := c.Price.Sub(next.Price)
	if err != nil {
		return nil, c, q, errcode.Errorf(ErrPriceRule, "collection %s costs less than its track %s", c.ID, next.ID)
	}
	if !surplus.IsZero() {
		if len(c.Split) > 0 {
			ps = byShares(ps, c.Split, surplus, c.Currency, buyer, prefix+" → surplus")
		} else {
			ps = append(ps, ledger.Posting{From: buyer, To: c.Creator, Currency: c.Currency, Amount: surplus, Path: prefix + " → surplus → creator → " + c.Creator})
		}
	}
	c.Next = (c.Next + 1) % len(c.Tracks)
	return ps, c, q, nil
}

// CheckPriceChange checks a track's new price against every collection that
// contains it.
func CheckPriceChange(t Track, price money.Amount, collections []Collection) error {
	if price.IsZero() {
		return errcode.Errorf(ErrPrice, "track %s would cost zero; want at least one base unit", t.ID)
	}
	for _, c := range collections {
		if !slices.Contains(c.Tracks, t.ID) {
			continue
		}
		if c.Price.Cmp(price) < 0 {
			return errcode.Errorf(ErrPriceRule, "track %s at %s would cost more than collection %s (%s), which contains it; raise the collection's price first", t.ID, price, c.ID, c.Price)
		}
	}
	return nil
}
