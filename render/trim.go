package render

import (
	"bytes"
	"strings"
)

// fileKeys are the top-level kustomization keys (lowercased: kustomize
// matches keys case-insensitively) whose values can name a file, plus kind.
var fileKeys = map[string]bool{
	"kind": true, "resources": true, "bases": true, "components": true, "crds": true,
	"configurations": true, "openapi": true, "patches": true, "patchesstrategicmerge": true,
	"patchesjson6902": true, "configmapgenerator": true, "secretgenerator": true,
	"replacements": true, "generators": true, "transformers": true, "validators": true,
	"helmcharts": true, "helmglobals": true,
}

// trimIrrelevant drops the top-level entries of a kustomization that
// cannot name a file (namespace, images, labels...), which roughly halves
// the YAML parsing that dominates overlay selection. It only works on the
// plain block layout: every line at column 0 is a comment, a "- " item or a
// "key:" with a plain key. Anything else (documents markers, flow or
// quoted keys, merge keys, tabs) returns b unchanged. An entry ends where
// YAML ends it, at the next key at column 0; if a lenient parser would read
// on (a quoted scalar running into column 0), the trimmed text no longer
// parses and the kustomization is treated as naming anything, never less.
// A syntax error inside a dropped entry goes unnoticed here; kustomize
// reports it when the overlay renders.
func trimIrrelevant(b []byte) []byte {
	out := make([]byte, 0, len(b))
	keep, seenKey := true, false
	for rest := b; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		switch line[0] {
		case '\n', '\r', '#':
		case ' ', '-':
			if !seenKey || (line[0] == '-' && !isItemStart(line)) {
				return b
			}
		default:
			key, ok := plainKey(line)
			if !ok {
				return b
			}
			keep, seenKey = fileKeys[strings.ToLower(key)], true
		}
		if keep {
			out = append(out, line...)
		}
	}
	return out
}

// isItemStart reports whether a column-0 line starting with "-" begins a
// sequence item (and is not a "---" document marker).
func isItemStart(line []byte) bool {
	return len(line) == 1 || line[1] == ' ' || line[1] == '\n' || line[1] == '\r'
}

// plainKey returns the key of a "key:" or "key: value" line whose key is
// made of letters, digits, "_" and "-" only, starting with a letter.
func plainKey(line []byte) (string, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", false
	}
	for j, c := range line[:i] {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (j == 0 || !(c >= '0' && c <= '9' || c == '_' || c == '-')) {
			return "", false
		}
	}
	if i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\n' && line[i+1] != '\r' {
		return "", false
	}
	return string(line[:i]), true
}
