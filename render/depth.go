package render

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxNestingDepth bounds how deeply YAML collections may nest. kustomize's
// conversions recurse per level and echo the whole value in errors, so a
// 20 KB file nested 10,000 deep cost seconds, a gigabyte and a 160 KB
// message; real manifests, CRD schemas included, stay far below it.
const maxNestingDepth = 100

// checkDepth refuses a document whose collections nest deeper than
// maxNestingDepth, without recursion so the check itself cannot blow up.
func checkDepth(file string, doc *yaml.Node) error {
	type item struct {
		n     *yaml.Node
		depth int
	}
	stack := []item{{doc, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		d := it.depth
		if it.n.Kind == yaml.MappingNode || it.n.Kind == yaml.SequenceNode {
			d++
			if d > maxNestingDepth {
				return fmt.Errorf("parsing %s: YAML nests deeper than %d levels (line %d)", file, maxNestingDepth, it.n.Line)
			}
		}
		for _, c := range it.n.Content {
			stack = append(stack, item{c, d})
		}
	}
	return nil
}
