package githubtest

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"
)

const diffContext = 3

func itoa(n int) string { return strconv.Itoa(n) }

// diffTrees lists the files that differ between two trees, sorted by path
// as GitHub lists them, with GitHub-style patches, and the new-side lines
// that fall inside a hunk (where review comments may go).
func diffTrees(base, head map[string][]byte) ([]*github.CommitFile, map[string]map[int]bool) {
	paths := map[string]bool{}
	for p := range base {
		paths[p] = true
	}
	for p := range head {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	slices.Sort(sorted)
	var files []*github.CommitFile
	right := map[string]map[int]bool{}
	for _, p := range sorted {
		old, inBase := base[p]
		cur, inHead := head[p]
		status := "modified"
		switch {
		case !inBase:
			status = "added"
		case !inHead:
			status = "removed"
		case bytes.Equal(old, cur):
			continue
		}
		f := &github.CommitFile{Filename: github.String(p), Status: github.String(status)}
		if !isBinary(old) && !isBinary(cur) {
			patch, adds, dels, lines := unifiedDiff(splitLines(old), splitLines(cur))
			f.Patch = github.String(patch)
			f.Additions, f.Deletions, f.Changes = github.Int(adds), github.Int(dels), github.Int(adds+dels)
			right[p] = lines
		}
		files = append(files, f)
	}
	return files, right
}

func isBinary(b []byte) bool { return bytes.IndexByte(b, 0) >= 0 }

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

type opKind byte

const (
	opEqual opKind = ' '
	opDel   opKind = '-'
	opIns   opKind = '+'
)

type op struct {
	kind       opKind
	text       string
	oldN, newN int // 1-based line numbers on each side (0 when absent)
}

// editScript is a line diff: common prefix and suffix trimmed, an LCS table
// for the middle. Inputs in tests are small; past a size bound the middle
// is treated as replaced outright, which is still a valid diff.
func editScript(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	var ops []op
	for i := 0; i < pre; i++ {
		ops = append(ops, op{kind: opEqual, text: a[i]})
	}
	ops = append(ops, lcsOps(ma, mb)...)
	for i := len(a) - suf; i < len(a); i++ {
		ops = append(ops, op{kind: opEqual, text: a[i]})
	}
	oldN, newN := 0, 0
	for i := range ops {
		switch ops[i].kind {
		case opEqual:
			oldN++
			newN++
			ops[i].oldN, ops[i].newN = oldN, newN
		case opDel:
			oldN++
			ops[i].oldN = oldN
		case opIns:
			newN++
			ops[i].newN = newN
		}
	}
	return ops
}

func lcsOps(a, b []string) []op {
	var ops []op
	if len(a)*len(b) > 4_000_000 {
		for _, l := range a {
			ops = append(ops, op{kind: opDel, text: l})
		}
		for _, l := range b {
			ops = append(ops, op{kind: opIns, text: l})
		}
		return ops
	}
	// t[i][j] = LCS length of a[i:], b[j:].
	t := make([][]int32, len(a)+1)
	for i := range t {
		t[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{kind: opEqual, text: a[i]})
			i++
			j++
		case i < len(a) && (j == len(b) || t[i+1][j] >= t[i][j+1]):
			// Deletions first, as diff -u orders a changed block.
			ops = append(ops, op{kind: opDel, text: a[i]})
			i++
		default:
			ops = append(ops, op{kind: opIns, text: b[j]})
			j++
		}
	}
	return ops
}

// unifiedDiff renders GitHub's patch form: hunks only (no file headers),
// three lines of context, hunks closer than that merged.
func unifiedDiff(a, b []string) (patch string, adds, dels int, right map[int]bool) {
	ops := editScript(a, b)
	right = map[int]bool{}
	var sb strings.Builder
	for start := 0; start < len(ops); {
		// Find the next change.
		first := start
		for first < len(ops) && ops[first].kind == opEqual {
			first++
		}
		if first == len(ops) {
			break
		}
		lo := max(first-diffContext, start)
		// Extend while changes are within 2*context of each other.
		hi, gap := first, 0
		for k := first; k < len(ops); k++ {
			if ops[k].kind == opEqual {
				gap++
				if gap > 2*diffContext {
					break
				}
				continue
			}
			gap, hi = 0, k
		}
		end := min(hi+diffContext+1, len(ops))
		writeHunk(&sb, ops[lo:end], right)
		for _, o := range ops[lo:end] {
			switch o.kind {
			case opIns:
				adds++
			case opDel:
				dels++
			}
		}
		start = end
	}
	return strings.TrimSuffix(sb.String(), "\n"), adds, dels, right
}

func writeHunk(sb *strings.Builder, h []op, right map[int]bool) {
	oldStart, newStart, oldLen, newLen := 0, 0, 0, 0
	for _, o := range h {
		if o.oldN > 0 {
			if oldStart == 0 {
				oldStart = o.oldN
			}
			oldLen++
		}
		if o.newN > 0 {
			if newStart == 0 {
				newStart = o.newN
			}
			newLen++
			right[o.newN] = true
		}
	}
	// An empty side (a file added or removed) is numbered 0, as in diff -u;
	// with context lines around every change no other hunk has one.
	if oldLen == 0 {
		oldStart = 0
	}
	if newLen == 0 {
		newStart = 0
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(oldStart, oldLen), hunkRange(newStart, newLen))
	for _, o := range h {
		sb.WriteByte(byte(o.kind))
		sb.WriteString(o.text)
		sb.WriteByte('\n')
	}
}

func hunkRange(start, n int) string {
	if n == 1 {
		return strconv.Itoa(start)
	}
	return strconv.Itoa(start) + "," + strconv.Itoa(n)
}
