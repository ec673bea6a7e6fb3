package checks

import (
	"context"
	"testing"

	"github.com/kustoguard/kustoguard/render"
)

func reviewTree(t *testing.T, files map[string]string) *render.Tree {
	t.Helper()
	m := map[string][]byte{}
	for p, c := range files {
		m[p] = []byte(c)
	}
	tree, err := render.FromFiles(m, render.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// TestReview_configChange: a pull request that changes the configuration
// gets one config-change finding, new and held for approval, at the file.
func TestReview_configChange(t *testing.T) {
	app := map[string]string{
		"apps/web/kustomization.yaml": "resources: [cm.yaml]\n",
		"apps/web/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: b}\n",
	}
	withConfig := func(cfg string) map[string]string {
		m := map[string]string{ConfigPath: cfg}
		for k, v := range app {
			m[k] = v
		}
		return m
	}
	res, err := Review(context.Background(), ReviewInput{
		Base:  reviewTree(t, withConfig("scope: changed\n")),
		Head:  reviewTree(t, withConfig("scope: all\n")),
		Rules: Default(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []Finding
	for _, f := range res.Findings {
		if f.Rule == "config-change" {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("config-change findings: %+v, want one", got)
	}
	if f := got[0]; f.File != ConfigPath || f.State != New || !f.Approval || !f.Blocking() {
		t.Errorf("config-change finding %+v: want new, at %s, needing approval", f, ConfigPath)
	}
	if res.Summary.Blocking != 1 {
		t.Errorf("summary %+v, want the config change blocking", res.Summary)
	}
}
