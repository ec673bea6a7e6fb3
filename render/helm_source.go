package render

import (
	"bufio"
	"bytes"
	"path"
	"strings"

	"sigs.k8s.io/yaml"
)

// helmDoc is one object of a chart's output and the chart file that
// declared it.
type helmDoc struct {
	kind, name string
	src        Source
}

// helmDocs reads helm's output, whose documents each start with
// "# Source: <chart>/<path>", and locates each object's template in the
// tree: the line declaring its kind in the template of a chart directory,
// else the kustomization that inflates the chart (archives and fetched
// charts have no file a person could edit).
func (t *Tree) helmDocs(out []byte, chartDir, kustFile string) []helmDoc {
	var docs []helmDoc
	for _, chunk := range bytes.Split(out, []byte("\n---\n")) {
		chunk = bytes.TrimPrefix(chunk, []byte("---\n"))
		first, rest, _ := bytes.Cut(chunk, []byte("\n"))
		src, ok := strings.CutPrefix(string(first), "# Source: ")
		if !ok {
			continue
		}
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if yaml.Unmarshal(rest, &meta) != nil || meta.Kind == "" {
			continue
		}
		d := helmDoc{kind: meta.Kind, name: meta.Metadata.Name, src: Source{File: kustFile}}
		if chartDir != "" {
			if _, p, ok := strings.Cut(src, "/"); ok {
				p = path.Join(chartDir, p)
				if data, ok := t.ReadFile(p); ok {
					d.src = Source{File: p, Line: kindLine(data, meta.Kind)}
				}
			}
		}
		docs = append(docs, d)
	}
	return docs
}

// kindLine is the first line of a template that declares kind, 0 if none
// does literally (the kind may itself be templated).
func kindLine(data []byte, kind string) int {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), len(data)+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "kind:"); ok && strings.Trim(strings.TrimSpace(v), `"'`) == kind {
			return n
		}
	}
	return 0
}

// attributeHelm points objects that came out of a chart at the chart file
// that declared them instead of the stand-in output file.
func attributeHelm(objs []Object, inf *helmInflation) {
	if inf == nil || len(inf.docs) == 0 {
		return
	}
	for i := range objs {
		docs, ok := inf.docs[objs[i].Source.File]
		if !ok {
			continue
		}
		var best *helmDoc
		for j := range docs {
			d := &docs[j]
			if d.kind != objs[i].ID.Kind || !strings.Contains(objs[i].ID.Name, d.name) {
				continue
			}
			if best == nil || len(d.name) > len(best.name) {
				best = d
			}
		}
		objs[i].Lines = nil
		if best != nil {
			objs[i].Source = best.src
		} else {
			objs[i].Source = Source{File: docs[0].src.File}
		}
	}
}
