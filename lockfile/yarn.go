package lockfile

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
)

// yarn.lock version 1 has a syntax of its own: neither YAML (keys are
// separated from values by a space, several keys share an entry, separated
// by commas) nor anything else a library parses, and no maintained Go
// parser exists. It is small, so it is read here by hand, following the
// grammar of yarn 1's own parser:
//
//	# comment
//	"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
//	  version "7.12.13"
//	  dependencies:
//	    "@babel/highlight" "^7.12.13"
//
// A line is an indentation of two spaces per level, then one or more keys
// separated by commas, then either a colon (a block follows, one level
// deeper) or a value (optionally after a colon). A key or value is a
// double-quoted JSON string or a bare word, which ends at a space, a comma
// or a colon.

// yarnEntry is one top-level block: the descriptors (name@range) that
// resolved to one package, and what it depends on.
type yarnEntry struct {
	keys     []string
	line     int
	version  string
	deps     map[string]string // name → range
	optional map[string]string
}

// yarnLine is one parsed line.
type yarnLine struct {
	level int
	keys  []string
	value string
	block bool // ends in a colon with no value: a block follows
}

// parseYarn reads a yarn.lock of yarn 1.
func parseYarn(data []byte, lim Limits) (*builder, error) {
	entries, err := yarnEntries(data)
	if err != nil {
		return nil, err
	}
	b := newBuilder(EcosystemNPM, lim)
	byKey := map[string]int{}
	for _, e := range entries {
		if e.version == "" {
			return nil, errcode.Errorf(ErrMalformed, "yarn.lock: line %d: entry %q has no version", e.line, e.keys[0])
		}
		name := yarnName(e.keys[0])
		i, err := b.add(name, e.version)
		if err != nil {
			return nil, at("yarn.lock: line "+itoa(e.line), err)
		}
		for _, k := range e.keys {
			byKey[k] = i
		}
	}
	for _, e := range entries {
		from := byKey[e.keys[0]]
		for _, l := range []struct {
			deps map[string]string
			kind Kind
		}{{e.deps, KindRuntime}, {e.optional, KindOptional}} {
			for name, rng := range l.deps {
				to, ok := byKey[name+"@"+rng]
				if !ok {
					b.unresolved++
					continue
				}
				if err := b.edge(from, to, l.kind); err != nil {
					return nil, err
				}
			}
		}
	}
	b.inferRoots("yarn.lock v1 does not record the project: the roots are the packages nothing outside their own cycle depends on")
	return b, nil
}

// yarnName is the package a descriptor installs: the name before the range,
// or for an alias ("old-ms@npm:ms@2.1.2") the package it names.
func yarnName(descriptor string) string {
	name, rng := pnpmSplit(descriptor)
	if alias, ok := strings.CutPrefix(rng, "npm:"); ok && strings.Contains(alias[min(1, len(alias)):], "@") {
		name, _ = pnpmSplit(alias)
	}
	return name
}

// yarnEntries parses the file into its top-level entries.
func yarnEntries(data []byte) ([]*yarnEntry, error) {
	var entries []*yarnEntry
	var cur *yarnEntry
	var block string // the level-1 block being read ("dependencies", …)
	depth := 0       // the deepest level the next line may have
	for n, raw := range bytes.Split(data, []byte("\n")) {
		lineNo := n + 1
		l, skip, err := yarnParseLine(strings.TrimSuffix(string(raw), "\r"))
		if err != nil {
			return nil, errcode.Errorf(ErrMalformed, "yarn.lock: line %d: %v", lineNo, err)
		}
		if skip {
			continue
		}
		if l.level > depth {
			return nil, errcode.Errorf(ErrMalformed, "yarn.lock: line %d: indented %d levels; at most %d allowed here", lineNo, l.level, depth)
		}
		switch l.level {
		case 0:
			if !l.block {
				return nil, errcode.Errorf(ErrMalformed, "yarn.lock: line %d: a top-level line must be descriptors ending in a colon", lineNo)
			}
			cur = &yarnEntry{keys: l.keys, line: lineNo}
			entries = append(entries, cur)
		case 1:
			block = ""
			if l.block {
				block = l.keys[0]
			} else if l.keys[0] == "version" {
				cur.version = l.value
			}
		case 2:
			cur.addDep(block, l)
		}
		depth = l.level
		if l.block {
			depth++
		}
	}
	return entries, nil
}

// addDep records a line of a dependencies block.
func (e *yarnEntry) addDep(block string, l yarnLine) {
	if l.block {
		return
	}
	switch block {
	case "dependencies":
		if e.deps == nil {
			e.deps = map[string]string{}
		}
		e.deps[l.keys[0]] = l.value
	case "optionalDependencies":
		if e.optional == nil {
			e.optional = map[string]string{}
		}
		e.optional[l.keys[0]] = l.value
	}
}

// yarnParseLine parses one line; skip is true for a blank or comment line.
func yarnParseLine(s string) (l yarnLine, skip bool, err error) {
	body := strings.TrimLeft(s, " ")
	if strings.TrimSpace(body) == "" || strings.HasPrefix(body, "#") {
		return l, true, nil
	}
	indent := len(s) - len(body)
	if indent%2 != 0 || strings.HasPrefix(body, "\t") {
		return l, false, errorf("indentation must be a multiple of two spaces")
	}
	l.level = indent / 2
	rest := body
	for {
		var key string
		if key, rest, err = yarnScalar(rest); err != nil {
			return l, false, err
		}
		l.keys = append(l.keys, key)
		if r, ok := strings.CutPrefix(rest, ","); ok {
			rest = strings.TrimLeft(r, " ")
			continue
		}
		break
	}
	colon := false
	if r, ok := strings.CutPrefix(rest, ":"); ok {
		colon, rest = true, r
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		if !colon {
			return l, false, errorf("key %q has neither a value nor a colon", l.keys[0])
		}
		l.block = true
		return l, false, nil
	}
	if l.value, rest, err = yarnScalar(rest); err != nil {
		return l, false, err
	}
	if strings.TrimSpace(rest) != "" {
		return l, false, errorf("unexpected %q after the value", rest)
	}
	return l, false, nil
}

// yarnScalar reads a quoted or bare word from the start of s and returns it
// with what follows, spaces after it skipped unless a comma or colon comes.
func yarnScalar(s string) (word, rest string, err error) {
	if strings.HasPrefix(s, `"`) {
		end := 1
		for end < len(s) && s[end] != '"' {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(s) {
			return "", "", errorf("a quoted string is not closed")
		}
		quoted := s[:end+1]
		word = quoted[1 : len(quoted)-1]
		if strings.Contains(word, `\`) {
			if err := json.Unmarshal([]byte(quoted), &word); err != nil {
				return "", "", errorf("bad escape in %s", quoted)
			}
		}
		return word, strings.TrimLeft(s[end+1:], " "), nil
	}
	end := strings.IndexAny(s, " ,:")
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return "", "", errorf("expected a key or value at %q", s)
	}
	return s[:end], strings.TrimLeft(s[end:], " "), nil
}
