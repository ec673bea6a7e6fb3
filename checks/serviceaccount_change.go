package checks

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/kustoguard/kustoguard/render"
)

// serviceAccountChange flags changes to the identities pods run as: a
// ServiceAccount added or removed, a change to what it mounts or pulls
// with (automountServiceAccountToken, secrets, imagePullSecrets; labels and
// annotations alone are not flagged), and a workload whose service account
// or token automounting changes, including a new workload that runs as a
// service account other than "default".
type serviceAccountChange struct{ meta }

var _ Rule = (*serviceAccountChange)(nil)

func newServiceAccountChange() Rule {
	return &serviceAccountChange{meta{
		id:          "serviceaccount-change",
		description: "ServiceAccount added, removed or changed; a workload's serviceAccountName or automountServiceAccountToken changed.",
		remediation: "Check what the service account is allowed to do and that the pods need its token, then have an approver approve the change.",
		severity:    Warning,
		approval:    true,
		kind:        ChangeRule,
	}}
}

// saFields are the ServiceAccount fields that change what its pods get.
var saFields = []string{"automountServiceAccountToken", "secrets", "imagePullSecrets"}

func (r *serviceAccountChange) Check(in *Input) []Finding {
	var out []Finding
	for _, c := range in.Changes {
		if c.Type == render.Unchanged {
			continue
		}
		if c.ID.Kind == "ServiceAccount" && c.ID.Group() == "" {
			if f, ok := r.serviceAccount(c); ok {
				out = append(out, f)
			}
			continue
		}
		if _, ok := workloadKinds[c.ID.Kind]; !ok && c.ID.Kind != "Pod" {
			continue
		}
		out = append(out, r.workload(c, in.workloadOf(c.Base), in.workloadOf(c.Head))...)
	}
	return out
}

func (r *serviceAccountChange) serviceAccount(c render.Change) (Finding, bool) {
	switch c.Type {
	case render.Added:
		msg := c.ID.String() + " added"
		if v, ok := c.Head.Get("automountServiceAccountToken"); ok {
			msg += fmt.Sprintf(" (automountServiceAccountToken: %v)", v)
		}
		return r.at(c.ID, c.Head.Source, msg), true
	case render.Removed:
		return r.at(c.ID, c.Base.Source, c.ID.String()+" removed"), true
	}
	var parts []string
	src := c.Head.Source
	for _, field := range saFields {
		bv, _ := c.Base.Get(field)
		hv, _ := c.Head.Get(field)
		if reflect.DeepEqual(bv, hv) {
			continue
		}
		if len(parts) == 0 {
			src = c.Head.SourceOf(field)
		}
		parts = append(parts, field+" changed from "+show(bv)+" to "+show(hv))
	}
	if len(parts) == 0 {
		return Finding{}, false
	}
	return r.at(c.ID, src, c.ID.String()+": "+strings.Join(parts, "; ")), true
}

func (r *serviceAccountChange) workload(c render.Change, base, head *Workload) []Finding {
	if head == nil {
		return nil // removing a workload grants nothing
	}
	ns := c.ID.Namespace
	headSA, headAuto := effectiveSA(head), head.Spec.AutomountServiceAccountToken
	tmpl := head.TemplatePath
	var parts []string
	var src render.Source
	note := func(field, text string) {
		if len(parts) == 0 {
			src = head.Object.SourceOf(append(append([]string{}, tmpl...), field)...)
		}
		parts = append(parts, text)
	}
	saField := "serviceAccountName"
	if head.Spec.ServiceAccountName == "" && head.Spec.DeprecatedServiceAccount != "" {
		saField = "serviceAccount"
	}
	if base == nil {
		if headSA != "default" {
			note(saField, "runs as ServiceAccount "+ns+"/"+headSA)
		}
		if headAuto != nil && *headAuto {
			note("automountServiceAccountToken", "mounts its service account token (automountServiceAccountToken: true)")
		}
	} else {
		if baseSA := effectiveSA(base); baseSA != headSA {
			note(saField, "serviceAccountName changed from "+baseSA+" to "+headSA)
		}
		if baseAuto := base.Spec.AutomountServiceAccountToken; !reflect.DeepEqual(baseAuto, headAuto) {
			note("automountServiceAccountToken", "automountServiceAccountToken changed from "+showBool(baseAuto)+" to "+showBool(headAuto))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	sort.Strings(parts[1:]) // the first names the reported line
	return []Finding{r.at(c.ID, src, c.ID.String()+" "+strings.Join(parts, "; "))}
}

// effectiveSA is the service account pods run as: serviceAccountName, else
// the deprecated serviceAccount, else "default", as the API server decides.
func effectiveSA(w *Workload) string {
	switch {
	case w.Spec.ServiceAccountName != "":
		return w.Spec.ServiceAccountName
	case w.Spec.DeprecatedServiceAccount != "":
		return w.Spec.DeprecatedServiceAccount
	}
	return "default"
}

func showBool(b *bool) string {
	if b == nil {
		return "unset"
	}
	return fmt.Sprint(*b)
}

// show renders a small YAML value for a message; never used on Secrets.
func show(v any) string {
	if v == nil {
		return "unset"
	}
	switch x := v.(type) {
	case []any:
		names := make([]string, 0, len(x))
		for _, item := range x {
			if m, ok := item.(map[string]any); ok {
				names = append(names, fmt.Sprint(m["name"]))
			} else {
				names = append(names, fmt.Sprint(item))
			}
		}
		return "[" + strings.Join(names, ", ") + "]"
	}
	return fmt.Sprint(v)
}
