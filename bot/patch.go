package bot

import (
	"strconv"
	"strings"
)

// rightLines returns the new-side line numbers a review comment may target
// in a file's patch: the added and context lines of every hunk. GitHub
// rejects inline comments anywhere else with 422. A malformed hunk header
// ends parsing; the lines found so far are kept.
func rightLines(patch string) map[int]bool {
	lines := map[int]bool{}
	next, inHunk := 0, false
	for _, l := range strings.Split(patch, "\n") {
		if strings.HasPrefix(l, "@@") {
			start, ok := hunkNewStart(l)
			if !ok {
				return lines
			}
			next, inHunk = start, true
			continue
		}
		if !inHunk || l == "" {
			continue
		}
		switch l[0] {
		case '+', ' ':
			lines[next] = true
			next++
		case '-', '\\':
			// a removed line or "\ No newline at end of file": no new-side line
		default:
			inHunk = false
		}
	}
	return lines
}

// hunkNewStart parses "@@ -a,b +c,d @@ ..." and returns c.
func hunkNewStart(header string) (int, bool) {
	rest, ok := strings.CutPrefix(header, "@@ -")
	if !ok {
		return 0, false
	}
	_, rest, ok = strings.Cut(rest, " +")
	if !ok {
		return 0, false
	}
	end := strings.IndexAny(rest, ", ")
	if end < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(rest[:end])
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
