package checks

// matchesAny reports whether labels match one of the selectors, as the
// ClusterRole aggregation controller does. An empty selector matches
// nothing there, so it matches nothing here.
func matchesAny(sels []metaLabelSelector, labels map[string]string) bool {
	for _, s := range sels {
		if len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
			continue
		}
		if selectorMatches(s, labels) {
			return true
		}
	}
	return false
}

func selectorMatches(s metaLabelSelector, labels map[string]string) bool {
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, e := range s.MatchExpressions {
		got, has := labels[e.Key]
		switch e.Operator {
		case "In":
			if !has || !contains(e.Values, got) {
				return false
			}
		case "NotIn":
			if has && contains(e.Values, got) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// aggregationRule and metaLabelSelector mirror the API types, decoded
// without the apimachinery package.
type aggregationRule struct {
	ClusterRoleSelectors []metaLabelSelector `json:"clusterRoleSelectors"`
}

type metaLabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels"`
	MatchExpressions []labelSelectorRequirement `json:"matchExpressions"`
}

type labelSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}
