package openapi

import (
	_ "embed"
	"encoding"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/invopop/jsonschema"
)

// refPrefix is where the document keeps its schemas.
const refPrefix = "#/components/schemas/"

// schemas reflects Go types into the document's component schemas.
type schemas struct {
	r     *jsonschema.Reflector
	defs  jsonschema.Definitions
	types map[string]reflect.Type // schema name → the type it was reflected from
	used  map[string]bool         // named formats the document refers to
}

func newSchemas(comments map[string]string) *schemas {
	sc := &schemas{defs: jsonschema.Definitions{}, types: map[string]reflect.Type{}, used: map[string]bool{}}
	sc.r = &jsonschema.Reflector{
		Anonymous:  true,
		Namer:      sc.name,
		Mapper:     sc.mapType,
		CommentMap: comments,
		// A Go doc comment starts with the type's name ("AssetJSON is an
		// asset …"); a schema's description starts with what it is.
		LookupComment: func(t reflect.Type, field string) string {
			c := unwrap(comments[t.PkgPath()+"."+t.Name()+optionalDot(field)])
			if field == "" {
				return trimTypeName(c, t.Name())
			}
			return c
		},
	}
	return sc
}

// unwrap joins a comment's wrapped lines into paragraphs.
func unwrap(c string) string {
	paras := strings.Split(c, "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}

func optionalDot(field string) string {
	if field == "" {
		return ""
	}
	return "." + field
}

// trimTypeName turns "AssetJSON is an asset …" into "An asset …".
func trimTypeName(c, name string) string {
	for _, verb := range []string{" is ", " are ", " answers ", " holds "} {
		if rest, ok := strings.CutPrefix(c, name+verb); ok {
			if verb != " is " && verb != " are " {
				rest = strings.TrimSpace(verb) + " " + rest
			}
			r := []rune(rest)
			r[0] = unicode.ToUpper(r[0])
			return string(r)
		}
	}
	return c
}

// ref returns a reference to t's schema, reflecting it (and what it
// names) into the components.
func (sc *schemas) ref(t reflect.Type) any {
	s := sc.r.ReflectFromType(t)
	maps.Copy(sc.defs, s.Definitions)
	s.Definitions, s.Version, s.ID = nil, "", ""
	return s
}

// use records that the document refers to a named format.
func (sc *schemas) use(name string) { sc.used[name] = true }

// name is the schema name of a type: the program's title and the type's
// name without its JSON suffix, or an exception kept from the document's
// first, hand-written edition.
func (sc *schemas) name(t reflect.Type) string {
	if t.Name() == "" || sc.mapType(t) != nil {
		return t.Name() // not a definition of its own
	}
	full := t.PkgPath() + "." + t.Name()
	n, ok := names[strings.TrimPrefix(full, module)]
	if !ok {
		n = strings.TrimSuffix(t.Name(), "JSON")
		if prefix := prefixes[strings.TrimPrefix(t.PkgPath(), module)]; prefix != "" && !strings.HasPrefix(n, prefix) {
			n = prefix + n
		}
	}
	if prev, ok := sc.types[n]; ok && prev != t {
		panic(fmt.Sprintf("openapi: %s and %s are both named %s", prev, t, n))
	}
	sc.types[n] = t
	return n
}

const module = "github.com/tributary-ledger/tributary/"

// prefixes name each package's schemas.
var prefixes = map[string]string{
	"program/market":     "Market",
	"program/collection": "Collection",
	"program/feeshare":   "Feeshare",
	"program/usage":      "Usage",
	"program/payout":     "Payout",
	"program/splitbook":  "Split",
	"split":              "Split",
}

// names are the schemas whose names the rule above does not give.
var names = map[string]string{
	"wire.ErrorBody":                             "ErrorBody",
	"wire.ErrorJSON":                             "ErrorDetail",
	"wire.MinimumJSON":                           "WithdrawalMinimum",
	"wire.MinimumRequest":                        "WithdrawalMinimumRequest",
	"program/usage.ConfigJSON":                   "UsageConfigState",
	"program/usage.ReportsJSON":                  "UsageReportsResult",
	"program/usage.RegisteredJSON":               "UsageParticipantsResult",
	"program/feeshare.WriteJSON":                 "FeeshareWriteResult",
	"program/feeshare.GenesisJSON":               "FeeshareGenesisResult",
	"program/feeshare.ContractsJSON":             "FeeshareContractList",
	"program/market.LicenseJSON":                 "MarketLicenseStatus",
	"program/collection.Collection":              "Collection",
	"program/collection.Purchase":                "CollectionPurchaseRequest",
	"program/collection.UpdateCollectionRequest": "CollectionUpdateRequest",
	"program/usage.Batch":                        "UsageReportBatch",
	"program/splitbook.ListJSON":                 "SplitList",
	"program/splitbook.Def":                      "SplitDef",
	"program/splitbook.DefReplacement":           "SplitReplacement",
	"program/splitbook.ReceiverDef":              "SplitReceiver",
	"split.Share":                                "SplitShare",
}

var (
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	rawMessage    = reflect.TypeFor[json.RawMessage]()
)

// mapType gives the named formats: base-unit amounts and times refer to
// their shared schemas; a type that writes itself as text is a string.
func (sc *schemas) mapType(t reflect.Type) *jsonschema.Schema {
	switch {
	case t.PkgPath()+"."+t.Name() == module+"wire.Amount" || t.PkgPath()+"."+t.Name() == module+"money.Amount":
		return sc.named("Amount")
	case t.PkgPath() == "time" && t.Name() == "Time":
		return sc.named("Time")
	case t == rawMessage:
		return &jsonschema.Schema{}
	case t.Kind() != reflect.String && (t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler)):
		return &jsonschema.Schema{Type: "string"}
	}
	return nil
}

func (sc *schemas) named(n string) *jsonschema.Schema {
	sc.use(n)
	return &jsonschema.Schema{Ref: refPrefix + n}
}

// components returns every schema: the reflected ones, completed with the
// fields' named formats (a `schema:"AccountName"` tag) and with null for
// pointers a body always writes, and the named formats in use.
func (sc *schemas) components() (map[string]any, error) {
	out := map[string]any{}
	for name, s := range sc.defs {
		if t, ok := sc.types[name]; ok && t.Kind() == reflect.Struct {
			if err := sc.complete(s, t); err != nil {
				return nil, fmt.Errorf("schema %s: %w", name, err)
			}
		}
		out[name] = s
	}
	for n := range sc.used {
		f, ok := formats[n]
		if !ok {
			return nil, fmt.Errorf("no named format %s", n)
		}
		if _, clash := out[n]; clash {
			return nil, fmt.Errorf("named format %s is also a reflected type", n)
		}
		out[n] = f
	}
	return out, nil
}

var refPattern = regexp.MustCompile(`"\$ref": *"#/components/schemas/([A-Za-z0-9]+)"`)

// checkRefs fails when a schema refers to one the document lacks.
func checkRefs(raw []byte, final map[string]any) error {
	var missing []string
	for _, m := range refPattern.FindAllSubmatch(raw, -1) {
		if _, ok := final[string(m[1])]; !ok {
			missing = append(missing, string(m[1]))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return fmt.Errorf("schemas refer to missing ones: %v", missing)
	}
	return nil
}

// complete applies what the reflector does not read: a field's named
// format, and null for a pointer that a body writes even when nil.
func (sc *schemas) complete(s *jsonschema.Schema, t reflect.Type) error {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if err := sc.complete(s, ft); err != nil {
					return err
				}
			}
			continue
		}
		if tag == "-" || !f.IsExported() || s.Properties == nil {
			continue
		}
		name := tag
		if name == "" {
			name = f.Name
		}
		prop, ok := s.Properties.Get(name)
		if !ok {
			continue
		}
		if named := f.Tag.Get("schema"); named != "" {
			sc.use(named)
			ref := &jsonschema.Schema{Ref: refPrefix + named}
			if prop.Type == "array" && prop.Items != nil {
				prop.Items = ref
			} else {
				prop.Ref, prop.Type, prop.Pattern, prop.MinLength, prop.MaxLength = ref.Ref, "", "", nil, nil
			}
		}
		omits := strings.Contains(f.Tag.Get("json"), ",omitempty") || strings.Contains(f.Tag.Get("json"), ",omitzero")
		if f.Type.Kind() == reflect.Pointer && !omits {
			inner := *prop
			inner.Description = ""
			*prop = jsonschema.Schema{Description: prop.Description, AnyOf: []*jsonschema.Schema{&inner, {Type: "null"}}}
		}
	}
	return nil
}

// formats are the named formats: strings whose rules a Go type cannot
// say (an account name's characters, an amount's digits), written once
// here and referred to by a field's `schema:"…"` tag.
//
//go:embed formats.json
var formatsJSON []byte

var formats = func() map[string]any {
	var m map[string]any
	if err := json.Unmarshal(formatsJSON, &m); err != nil {
		panic(err)
	}
	return m
}()

// Comments reads the Go doc comments of every type and field of the
// module whose root is the working directory (the reflector matches them
// by import path, which it builds from paths relative to where it reads).
func Comments() (map[string]string, error) {
	r := &jsonschema.Reflector{}
	if err := r.AddGoComments(strings.TrimSuffix(module, "/"), ".", jsonschema.WithFullComment()); err != nil {
		return nil, err
	}
	return r.CommentMap, nil
}
