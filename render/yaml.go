package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxExpandedNodes bounds how many nodes one YAML document may expand to
// once its aliases are resolved; real manifests stay far below it.
const maxExpandedNodes = 100_000

// parseYAML decodes every document of a YAML stream into nodes and refuses
// documents whose aliases would expand beyond maxExpandedNodes.
func parseYAML(file string, data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", file, err)
		}
		if err := checkDepth(file, &n); err != nil {
			return nil, err
		}
		if bytes.IndexByte(data, '&') >= 0 {
			if size := expandedSize(&n, map[*yaml.Node]int{}, 0); size > maxExpandedNodes {
				return nil, fmt.Errorf("parsing %s: YAML aliases expand to more than %d nodes", file, maxExpandedNodes)
			}
		}
		docs = append(docs, &n)
	}
}

// expandedSize counts the nodes a document has once aliases are expanded,
// memoized per node so the count itself stays cheap, and capped early.
func expandedSize(n *yaml.Node, memo map[*yaml.Node]int, depth int) int {
	if n == nil {
		return 0
	}
	if v, ok := memo[n]; ok {
		return v
	}
	if depth > 1000 {
		return maxExpandedNodes + 1
	}
	memo[n] = maxExpandedNodes + 1 // a self-reference counts as too big
	size := 1
	if n.Kind == yaml.AliasNode {
		size += expandedSize(n.Alias, memo, depth+1)
	}
	for _, c := range n.Content {
		size += expandedSize(c, memo, depth+1)
		if size > maxExpandedNodes {
			break
		}
	}
	memo[n] = size
	return size
}
