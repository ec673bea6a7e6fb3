package checks

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// apiVersionsData is the removed and deprecated API table, from
// Kubernetes' deprecation guide (see the file's header).
//
//go:embed data/api_versions.yaml
var apiVersionsData []byte

// apiVersionEntry is one row of the table.
type apiVersionEntry struct {
	APIVersion  string   `yaml:"apiVersion"`
	Kinds       []string `yaml:"kinds"`
	Deprecated  string   `yaml:"deprecated"`
	Removed     string   `yaml:"removed"`
	Replacement string   `yaml:"replacement"`

	deprecatedMinor, removedMinor int
}

// apiKind keys the table without building a string per object.
type apiKind struct{ apiVersion, kind string }

// apiVersionTable is the table keyed by apiVersion and kind.
var apiVersionTable = sync.OnceValues(func() (map[apiKind]*apiVersionEntry, error) {
	var rows []*apiVersionEntry
	if err := yaml.Unmarshal(apiVersionsData, &rows); err != nil {
		return nil, fmt.Errorf("parsing the API version table: %w", err)
	}
	out := map[apiKind]*apiVersionEntry{}
	for _, e := range rows {
		var ok1, ok2 bool
		e.deprecatedMinor, ok1 = kubeMinor(e.Deprecated)
		e.removedMinor, ok2 = kubeMinor(e.Removed)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("parsing the API version table: %s: bad version", e.APIVersion)
		}
		for _, k := range e.Kinds {
			out[apiKind{e.APIVersion, k}] = e
		}
	}
	return out, nil
})

// kubeMinor parses "1.31" (also "v1.31" and "1.31.2") into its minor
// version. It runs for every Check, so it parses by hand.
func kubeMinor(v string) (int, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	major, rest, ok := strings.Cut(v, ".")
	if !ok || major != "1" {
		return 0, false
	}
	minor, patch, hasPatch := strings.Cut(rest, ".")
	if hasPatch {
		if _, err := strconv.ParseUint(patch, 10, 32); err != nil {
			return 0, false
		}
	}
	if len(minor) == 0 || len(minor) > 3 {
		return 0, false
	}
	n, err := strconv.Atoi(minor)
	return n, err == nil && n >= 0 && minor[0] != '+' && minor[0] != '-'
}

// apiVersionRule is api-removed or api-deprecated: both read the same
// table and are off until the configuration names kubernetesVersion.
type apiVersionRule struct {
	meta
	removed bool
}

var _ Rule = (*apiVersionRule)(nil)

func newAPIRemoved() Rule {
	return &apiVersionRule{meta: meta{
		id:          "api-removed",
		description: "An object whose apiVersion was removed at or before the configured kubernetesVersion.",
		remediation: "Move the object to the replacement apiVersion the message names, adapting the fields that changed.",
		severity:    Error,
		kind:        StateRule,
	}, removed: true}
}

func newAPIDeprecated() Rule {
	return &apiVersionRule{meta: meta{
		id:          "api-deprecated",
		description: "An object whose apiVersion is deprecated at the configured kubernetesVersion.",
		remediation: "Move the object to the replacement apiVersion the message names before the cluster is upgraded to the release that removes it.",
		severity:    Warning,
		kind:        StateRule,
	}}
}

func (r *apiVersionRule) Check(in *Input) []Finding {
	if in.Config == nil || in.Config.KubernetesVersion == "" {
		return nil
	}
	cluster, ok := kubeMinor(in.Config.KubernetesVersion)
	if !ok {
		return nil
	}
	table, err := apiVersionTable()
	if err != nil {
		return nil
	}
	var out []Finding
	for i := range in.Objects {
		o := &in.Objects[i]
		e := table[apiKind{o.ID.APIVersion, o.ID.Kind}]
		if e == nil {
			continue
		}
		what := o.ID.APIVersion + " " + o.ID.Kind
		var msg string
		switch {
		case r.removed && cluster >= e.removedMinor:
			msg = fmt.Sprintf("%s was removed in %s; use %s", what, e.Removed, e.Replacement)
		case !r.removed && cluster >= e.deprecatedMinor && cluster < e.removedMinor:
			msg = fmt.Sprintf("%s is deprecated since %s and removed in %s; use %s", what, e.Deprecated, e.Removed, e.Replacement)
		default:
			continue
		}
		out = append(out, r.at(o.ID, o.Source, msg))
	}
	return out
}
