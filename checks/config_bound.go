package checks

import "fmt"

// The configuration is parsed from a pull request's files, so its parser
// sees hostile input. go-yaml's cost grows with the square of the nesting
// depth (a 20 KB file nested 10,000 deep takes tens of milliseconds to
// refuse, a fuzzer's minimization of such inputs stalls for a minute), and
// a real configuration is a few hundred bytes nested four deep. Both are
// bounded before the YAML parser runs.
const (
	maxConfigBytes = 64 << 10
	// maxConfigDepth bounds flow nesting ("[", "{") and the columns of
	// block indentation and indicators ("- ", "? ", ": ") before a line's
	// content.
	maxConfigDepth  = 32
	maxConfigIndent = 128
)

// checkConfigBounds refuses a configuration too large or nested too deep
// to be a real one, in one pass over its bytes.
func checkConfigBounds(data []byte) error {
	if len(data) > maxConfigBytes {
		return fmt.Errorf("parsing %s: %d bytes, over the limit of %d", ConfigPath, len(data), maxConfigBytes)
	}
	line, depth, col := 1, 0, 0
	lineStart := true
	var quote byte
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line, col, lineStart = line+1, 0, true
			if quote == '\'' || quote == '"' {
				continue // quoted scalars may span lines
			}
			continue
		}
		if lineStart {
			switch {
			case c == ' ' || c == '\t':
				col++
			case (c == '-' || c == '?' || c == ':') && (i+1 == len(data) || data[i+1] == ' ' || data[i+1] == '\n'):
				col++
			default:
				lineStart = false
			}
			if col > maxConfigIndent {
				return fmt.Errorf("parsing %s: line %d: nested deeper than %d columns", ConfigPath, line, maxConfigIndent)
			}
			if lineStart {
				continue
			}
		}
		switch {
		case quote != 0:
			if c == quote {
				if quote == '\'' && i+1 < len(data) && data[i+1] == '\'' {
					i++ // '' escapes a quote
				} else {
					quote = 0
				}
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '#' && (i == 0 || data[i-1] == ' ' || data[i-1] == '\t' || data[i-1] == '\n'):
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			if depth++; depth > maxConfigDepth {
				return fmt.Errorf("parsing %s: line %d: nested deeper than %d levels", ConfigPath, line, maxConfigDepth)
			}
		case c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}
