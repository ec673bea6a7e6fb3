package render

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	chart "helm.sh/helm/v4/pkg/chart/v2"
)

// sandboxFuncs replaces the template functions whose result would depend
// on anything but the commit: the clock and randomness. Random functions
// draw from a generator seeded by the chart and release, so two renders of
// the same commit are identical.
func sandboxFuncs(deadline time.Time, seed [2]uint64) template.FuncMap {
	rng := rand.New(rand.NewPCG(seed[0], seed[1]))
	var work, calls int64
	randFrom := func(alphabet string) func(int) string {
		return func(n int) string {
			if n < 0 || n > 1<<16 {
				n = 0
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
			return string(b)
		}
	}
	const (
		alpha   = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		digits  = "0123456789"
		symbols = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "
	)
	return template.FuncMap{
		tickFunc: func(weight int) (string, error) {
			work += int64(weight) + 1
			calls++
			if work > templateWork || calls > templateCalls {
				return "", errTemplateBudget
			}
			if calls&0x3ff == 0 || weight > 4096 {
				if time.Now().After(deadline) {
					return "", context.DeadlineExceeded
				}
			}
			return "", nil
		},
		"randAlphaNum": randFrom(alpha + digits),
		"randAlpha":    randFrom(alpha),
		"randNumeric":  randFrom(digits),
		"randAscii":    randFrom(alpha + digits + symbols),
		"randInt": func(lo, hi int) int {
			if hi <= lo {
				return lo
			}
			return lo + rng.IntN(hi-lo)
		},
		"uuidv4": func() string {
			var b [16]byte
			for i := range b {
				b[i] = byte(rng.UintN(256))
			}
			b[6] = b[6]&0x0f | 0x40
			b[8] = b[8]&0x3f | 0x80
			return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
		},
		"until": func(n int) ([]int, error) {
			if n < 0 {
				return span(0, n, -1)
			}
			return span(0, n, 1)
		},
		"untilStep": func(start, stop, step int) ([]int, error) {
			return span(start, stop, step)
		},
		"repeat": func(n int, s string) (string, error) {
			if n > 0 && len(s) > 0 && n > maxChartOutput/len(s) {
				return "", errTemplateBudget
			}
			return strings.Repeat(s, max(n, 0)), nil
		},
		"now":       func() time.Time { return fixedNow },
		"env":       func(string) string { return "" },
		"expandenv": func(string) string { return "" },
		"getHostByName": func(string) string {
			return ""
		},
		"lookup": func(string, string, string, string) (map[string]any, error) {
			return map[string]any{}, nil
		},
	}
}

// maxSpan bounds the lists until and untilStep make (sprig allocates them
// whole, so a huge count would exhaust memory before any loop runs).
const maxSpan = 1 << 20

func span(start, stop, step int) ([]int, error) {
	if step == 0 {
		return []int{}, nil
	}
	n := (stop - start) / step
	if (stop-start)%step != 0 {
		n++
	}
	if n <= 0 {
		return []int{}, nil
	}
	if n > maxSpan {
		return nil, errTemplateBudget
	}
	out := make([]int, 0, n)
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return out, nil
}

func seedFor(req templateRequest) [2]uint64 {
	h := sha256.Sum256([]byte(strings.Join([]string{req.chart.Name(), req.chart.Metadata.Version, req.releaseName, req.namespace}, "\x00")))
	return [2]uint64{binary.BigEndian.Uint64(h[:8]), binary.BigEndian.Uint64(h[8:16])}
}

// instrumentChart inserts a call of tickFunc at the start of every range
// body and every named template of the chart and its subcharts. The call
// prints nothing, so output is unchanged; a template that does not parse
// is left alone for the engine to report.
func instrumentChart(ch *chart.Chart) error {
	for _, f := range ch.Templates {
		f.Data = []byte(instrument(f.Name, string(f.Data)))
	}
	for _, d := range ch.Dependencies() {
		if err := instrumentChart(d); err != nil {
			return err
		}
	}
	return nil
}

func instrument(name, src string) string {
	if !strings.Contains(src, "{{") {
		return src
	}
	trees := map[string]*parse.Tree{}
	t := parse.New(name)
	t.Mode = parse.SkipFuncCheck
	if _, err := t.Parse(src, "", "", trees); err != nil {
		return src
	}
	type insert struct {
		at     int
		weight int
	}
	var ins []insert
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.RangeNode:
			ins = append(ins, insert{int(n.List.Pos), len(n.List.String())})
			walk(n.List)
			walk(n.ElseList)
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	for tn, tr := range trees {
		if tr.Root == nil {
			continue
		}
		if tn != name {
			ins = append(ins, insert{int(tr.Root.Pos), len(tr.Root.String())})
		}
		walk(tr.Root)
	}
	sort.Slice(ins, func(i, j int) bool { return ins[i].at > ins[j].at })
	out := src
	last := -1
	for _, in := range ins {
		if in.at < 0 || in.at > len(out) || in.at == last {
			continue
		}
		last = in.at
		out = out[:in.at] + fmt.Sprintf("{{%s %d}}", tickFunc, in.weight) + out[in.at:]
	}
	return out
}
