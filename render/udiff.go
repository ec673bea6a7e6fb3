package render

import (
	"fmt"
	"strings"
)

// maxLCSCells bounds the line-diff table; beyond it the differing middle
// of two texts is shown as replaced wholesale rather than aligned.
const maxLCSCells = 4_000_000

type editOp byte

const (
	opKeep editOp = ' '
	opDel  editOp = '-'
	opAdd  editOp = '+'
)

type lineEdit struct {
	op   editOp
	line string
}

// lineEdits aligns a and b by longest common subsequence.
func lineEdits(a, b []string) []lineEdit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	out := make([]lineEdit, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		out = append(out, lineEdit{opKeep, l})
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(am)*len(bm) > maxLCSCells {
		for _, l := range am {
			out = append(out, lineEdit{opDel, l})
		}
		for _, l := range bm {
			out = append(out, lineEdit{opAdd, l})
		}
	} else {
		out = append(out, lcsEdits(am, bm)...)
	}
	for _, l := range a[len(a)-suf:] {
		out = append(out, lineEdit{opKeep, l})
	}
	return out
}

func lcsEdits(a, b []string) []lineEdit {
	n, m := len(a), len(b)
	// lcs[i][j] is the LCS length of a[i:] and b[j:], stored row-major.
	lcs := make([]int32, (n+1)*(m+1))
	w := m + 1
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else if lcs[(i+1)*w+j] >= lcs[i*w+j+1] {
				lcs[i*w+j] = lcs[(i+1)*w+j]
			} else {
				lcs[i*w+j] = lcs[i*w+j+1]
			}
		}
	}
	out := make([]lineEdit, 0, n+m)
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, lineEdit{opKeep, a[i]})
			i++
			j++
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			out = append(out, lineEdit{opDel, a[i]})
			i++
		default:
			out = append(out, lineEdit{opAdd, b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, lineEdit{opDel, a[i]})
	}
	for ; j < m; j++ {
		out = append(out, lineEdit{opAdd, b[j]})
	}
	return out
}

// formatUnified renders the edits between a and b as a unified diff with
// ctx lines of context; empty when a and b are equal.
func formatUnified(from, to string, a, b []string, ctx int) string {
	edits := lineEdits(a, b)
	var sb strings.Builder
	wroteHeader := false
	for start := 0; start < len(edits); {
		// Find the next change.
		for start < len(edits) && edits[start].op == opKeep {
			start++
		}
		if start == len(edits) {
			break
		}
		lo := max(start-ctx, 0)
		// Extend the hunk while changes are within 2*ctx of each other.
		end := start
		for {
			for end < len(edits) && edits[end].op != opKeep {
				end++
			}
			next := end
			for next < len(edits) && edits[next].op == opKeep {
				next++
			}
			if next < len(edits) && next-end <= 2*ctx {
				end = next
				continue
			}
			break
		}
		hi := min(end+ctx, len(edits))
		if !wroteHeader {
			fmt.Fprintf(&sb, "--- %s\n+++ %s\n", from, to)
			wroteHeader = true
		}
		aStart, bStart := positions(edits, lo)
		var aLen, bLen int
		for _, e := range edits[lo:hi] {
			if e.op != opAdd {
				aLen++
			}
			if e.op != opDel {
				bLen++
			}
		}
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, e := range edits[lo:hi] {
			sb.WriteByte(byte(e.op))
			sb.WriteString(e.line)
			sb.WriteByte('\n')
		}
		start = hi
	}
	return sb.String()
}

// positions returns the 1-based line numbers in a and b at edit index k.
func positions(edits []lineEdit, k int) (int, int) {
	a, b := 1, 1
	for _, e := range edits[:k] {
		if e.op != opAdd {
			a++
		}
		if e.op != opDel {
			b++
		}
	}
	return a, b
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
