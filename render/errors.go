package render

import (
	"context"
	"errors"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// A render error is untrusted text: kustomize quotes the inputs it fails
// on, Secret values included, and names this program's Go types. Every
// error leaving the renderer goes through sanitizeError, which keeps the
// whole detail on one line, drops what kustomize dumps, removes every
// value of the tree's Secret inputs, speaks of kustomization fields instead
// of Go types, and finds the file and line at fault.

// Error is a render failure as a user reads it.
type Error struct {
	// Dir is the rendered directory.
	Dir string
	// File and Line locate the cause in the tree when the error names a
	// file ("" and 0 otherwise; Line 0 when only the file is known).
	File string
	Line int
	msg  string
	// cause is kept only when it is the context's: the original error
	// holds the unsanitized text.
	cause error
}

func (e *Error) Error() string { return e.msg }

// Unwrap lets callers test for cancellation and deadlines; nothing else
// is wrapped.
func (e *Error) Unwrap() error { return e.cause }

func (t *Tree) sanitizeError(dir string, err error, sr *scanResult) error {
	if err == nil {
		return nil
	}
	var done *Error
	if errors.As(err, &done) {
		return err
	}
	msg := oneLine(err.Error())
	msg = dropDumps(msg)
	out := &Error{Dir: dir}
	// Tree paths are the repository's names, never Secret content: locate
	// before scrubbing, which may blank a path equal to some value.
	var named bool
	out.File, out.Line, named = t.locate(dir, msg)
	msg = t.secretsFor(sr).scrub(msg)
	msg = kustomizationTerms(msg)
	if named && out.Line > 0 {
		// Every "line N:" of a decoding error is a line of the file named.
		msg = fieldLine.ReplaceAllStringFunc(msg, func(m string) string {
			n, _ := strconv.Atoi(fieldLine.FindStringSubmatch(m)[1])
			if field := fieldAtLine(t.fileText(out.File), n); field != "" {
				return m + field + ": "
			}
			return m
		})
	}
	out.msg = msg
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			out.cause = c
		}
	}
	return out
}

// oneLine joins a multi-line error: a line ending in ":" introduces the
// next, other lines are separated by "; ".
func oneLine(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteByte(' ')
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

var (
	// kustomize appends the whole resource to a conversion error.
	resourceDump = regexp.MustCompile(`(?i)\s*for the following resource:.*$`)
	// An env file line with invalid UTF-8 is printed twice: as its bytes
	// in decimal and as text.
	invalidUTF8Line = regexp.MustCompile(`line \[[0-9 ]*\] has invalid utf8 bytes\s*:.*?(;|$)`)
	// A literal without "=" is quoted whole.
	literalSources = regexp.MustCompile(`literal sources \[.*?\]:`)
	invalidLiteral = regexp.MustCompile(`invalid literal source .*?, expected key=value`)
)

func dropDumps(s string) string {
	s = resourceDump.ReplaceAllString(s, " (the resource's content is not shown)")
	s = invalidUTF8Line.ReplaceAllString(s, "a line has invalid UTF-8$1")
	s = literalSources.ReplaceAllString(s, "literals:")
	s = invalidLiteral.ReplaceAllString(s, "a literal is not of the form key=value")
	return s
}

var (
	yamlTypeError = regexp.MustCompile("cannot unmarshal !!(\\w+)(?: `[^`]*`)? into ((?:\\[\\]|map\\[\\w+\\])?interface \\{\\}|[^\\s;,]+)")
	// Errors of one decode are sometimes already joined by spaces.
	runOnLine     = regexp.MustCompile(`([^:;]) (line \d+: )`)
	jsonTypeError = regexp.MustCompile(`(?:json: )?cannot unmarshal (\w+) into Go (?:struct field (\S+) of type|value of type) ([^\s;,]+)`)
	unmarshalHead = regexp.MustCompile(`(yaml|json): unmarshal errors: `)
)

var yamlTags = map[string]string{
	"str": "a string", "seq": "a list", "map": "a mapping", "int": "a number",
	"float": "a number", "bool": "true or false", "null": "null", "binary": "binary data",
	"string": "a string", "array": "a list", "object": "a mapping", "number": "a number",
}

// goTypes names in kustomization terms the types kustomization fields
// decode into; the key is the type without its package.
var goTypes = map[string]string{
	"patchEntry": "a patch entry (a mapping with path: or patch:, and target:)", "Patch": "a patch entry (a mapping with path: or patch:, and target:)",
	"PatchStrategicMerge": "a patch file name",
	"generatorEntry":      "a generator entry (a mapping with name:, literals:, envs: or files:)",
	"ConfigMapArgs":       "a generator entry (a mapping with name:, literals:, envs: or files:)",
	"SecretArgs":          "a generator entry (a mapping with name:, literals:, envs: or files:)",
	"kustFile":            "a kustomization (a mapping of fields)", "Kustomization": "a kustomization (a mapping of fields)",
	"Image": "an image entry (a mapping with name:)", "Replica": "a replica entry (a mapping with name: and count:)",
	"ReplacementField": "a replacement entry", "Replacement": "a replacement entry",
	"Selector": "a target selector", "Label": "a labels entry",
	"string": "a string", "[]string": "a list of strings", "int": "a number", "bool": "true or false",
	"map[string]string": "a mapping of strings", "map[string]interface {}": "a mapping",
	"map[string]any": "a mapping", "[]interface {}": "a list", "[]any": "a list",
}

func typeName(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	bare := goType
	if i := strings.LastIndex(goType, "."); i >= 0 && !strings.HasPrefix(goType, "map[") {
		bare = goType[i+1:]
	}
	if n, ok := goTypes[goType]; ok {
		return n
	}
	if strings.HasPrefix(goType, "[]") {
		return "a list"
	}
	if n, ok := goTypes[bare]; ok {
		return n
	}
	if strings.HasPrefix(bare, "map[") {
		return "a mapping"
	}
	if strings.HasPrefix(bare, "struct") {
		return "a mapping"
	}
	return "a " + strings.ToLower(bare[:1]) + bare[1:] + " entry"
}

// kustomizationTerms rewrites decoding errors: which YAML type was found
// where which field's type was expected, with no Go type name and no
// quoted value.
func kustomizationTerms(s string) string {
	s = unmarshalHead.ReplaceAllString(s, "")
	s = strings.NewReplacer(".[noGrp]", "", ".[noNs]", "", "received error ", "").Replace(s)
	s = runOnLine.ReplaceAllString(s, "$1; $2")
	s = yamlTypeError.ReplaceAllStringFunc(s, func(m string) string {
		g := yamlTypeError.FindStringSubmatch(m)
		return "found " + tagName(g[1]) + " where " + typeName(g[2]) + " is expected"
	})
	s = jsonTypeError.ReplaceAllStringFunc(s, func(m string) string {
		g := jsonTypeError.FindStringSubmatch(m)
		msg := "found " + tagName(g[1]) + " where " + typeName(g[3]) + " is expected"
		if g[2] != "" {
			_, field, _ := strings.Cut(g[2], ".")
			if field == "" {
				field = g[2]
			}
			msg = field + ": " + msg
		}
		return msg
	})
	return s
}

func tagName(tag string) string {
	if n, ok := yamlTags[tag]; ok {
		return n
	}
	return "a " + tag
}

var (
	fieldLine   = regexp.MustCompile(`\bline (\d+): `)
	quoted      = regexp.MustCompile(`"([^"\s]{1,200})"`)
	lineRef     = regexp.MustCompile(`\bline (\d+)\b`)
	fileNameRef = regexp.MustCompile(`[A-Za-z0-9_./@+~-]+\.(?:ya?ml|json|env|properties|txt|conf|ini)\b|[A-Za-z0-9_./@+~-]*(?:kustomization\.ya?ml|Kustomization)\b`)
)

// locate finds the tree file the message blames (named: the message names
// it; else dir's kustomization), and the line when a "line N" follows the
// file's name or the file names what the message quotes.
func (t *Tree) locate(dir, msg string) (file string, line int, named bool) {
	at := -1
	for _, m := range fileNameRef.FindAllStringIndex(msg, -1) {
		p := strings.TrimPrefix(msg[m[0]:m[1]], "/")
		for _, cand := range []string{p, path.Join(dir, p)} {
			if t.has(cand) {
				file, at = cand, m[1]
				break
			}
		}
	}
	if named = file != ""; named {
		if m := lineRef.FindStringSubmatch(msg[at:]); m != nil {
			line, _ = strconv.Atoi(m[1])
			return file, line, true
		}
	} else if file = t.KustomizationFile(dir); file == "" {
		return "", 0, false
	}
	// No line given: the line of the file that names what the message
	// quotes or refers to, such as a missing resource.
	var names []string
	for _, m := range quoted.FindAllStringSubmatch(msg, -1) {
		names = append(names, m[1])
	}
	names = append(names, fileNameRef.FindAllString(msg, -1)...)
	for i, l := range strings.Split(string(t.fileText(file)), "\n") {
		for _, n := range names {
			if n != "" && n != file && strings.Contains(l, n) {
				return file, i + 1, named
			}
		}
	}
	return file, 0, named
}
