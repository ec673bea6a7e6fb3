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
//
// What cannot confer API access is not flagged: a new ServiceAccount that
// mounts no token, holds no secrets, pulls with nothing and that no binding
// of the render names; a new workload whose pods get no token (automount
// off on the pod or its ServiceAccount, and no projected token volume).
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
	// Lazily: the head's ServiceAccounts that confer nothing, and those
	// whose token is not automounted.
	var inert, noAutomount map[string]bool
	for _, c := range in.Changes {
		if c.Type == render.Unchanged {
			continue
		}
		if inert == nil {
			inert, noAutomount = serviceAccountsOf(in.Head)
		}
		if c.ID.Kind == "ServiceAccount" && c.ID.Group() == "" {
			if c.Type == render.Added && inert[c.ID.Namespace+"/"+c.ID.Name] {
				continue
			}
			if f, ok := r.serviceAccount(c); ok {
				out = append(out, f)
			}
			continue
		}
		if _, ok := workloadKinds[c.ID.Kind]; !ok && c.ID.Kind != "Pod" {
			continue
		}
		head := in.workloadOf(c.Head)
		if c.Type == render.Added && head != nil && !mountsToken(head, noAutomount[c.ID.Namespace+"/"+effectiveSA(head)]) {
			continue
		}
		out = append(out, r.workload(c, in.workloadOf(c.Base), head)...)
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

// serviceAccountsOf returns, keyed "namespace/name", the ServiceAccounts of
// objs that are inert (mount no token, hold no secrets, pull with nothing,
// and no RoleBinding or ClusterRoleBinding names them) and those that turn
// token automounting off.
func serviceAccountsOf(objs []render.Object) (inert, noAutomount map[string]bool) {
	bound := map[string]bool{}
	for i := range objs {
		o := &objs[i]
		if o.ID.Group() != "rbac.authorization.k8s.io" || (o.ID.Kind != "RoleBinding" && o.ID.Kind != "ClusterRoleBinding") {
			continue
		}
		subjects, _ := o.Get("subjects")
		list, _ := subjects.([]any)
		for _, s := range list {
			m, _ := s.(map[string]any)
			if m["kind"] != "ServiceAccount" {
				continue
			}
			ns, _ := m["namespace"].(string)
			if ns == "" {
				ns = o.ID.Namespace
			}
			bound[ns+"/"+fmt.Sprint(m["name"])] = true
		}
	}
	inert, noAutomount = map[string]bool{}, map[string]bool{}
	for i := range objs {
		o := &objs[i]
		if o.ID.Kind != "ServiceAccount" || o.ID.Group() != "" {
			continue
		}
		key := o.ID.Namespace + "/" + o.ID.Name
		auto, _ := o.Get("automountServiceAccountToken")
		_, secrets := o.Get("secrets")
		_, pulls := o.Get("imagePullSecrets")
		noAutomount[key] = auto == false
		inert[key] = auto == false && !secrets && !pulls && !bound[key]
	}
	return inert, noAutomount
}

// mountsToken reports whether a workload's pods get a service account
// token: automounted (the pod's setting wins over its ServiceAccount's,
// saAutomountOff) or through a projected serviceAccountToken volume.
func mountsToken(w *Workload, saAutomountOff bool) bool {
	for _, v := range w.Spec.Volumes {
		if v.Projected == nil {
			continue
		}
		for _, src := range v.Projected.Sources {
			if src.ServiceAccountToken != nil {
				return true
			}
		}
	}
	if a := w.Spec.AutomountServiceAccountToken; a != nil {
		return *a
	}
	return !saAutomountOff
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
