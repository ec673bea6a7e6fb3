package render

import (
	"context"
	"testing"
)

func TestHelmObjectsPointAtTheirTemplates(t *testing.T) {
	tree := loadHelmCases(t)
	objs, err := tree.Render(context.Background(), "overlay")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Source{
		"Deployment prod-gb-helm-guestbook":      {File: "guestbook-base/charts/helm-guestbook/templates/deployment.yaml", Line: 2},
		"Service prod-gb-helm-guestbook":         {File: "guestbook-base/charts/helm-guestbook/templates/service.yaml", Line: 2},
		"ConfigMap prod/prod-guestbook-settings": {File: "guestbook-base/configmap.yaml", Line: 1},
	}
	for _, o := range objs {
		w, ok := want[o.ID.String()]
		if !ok {
			t.Errorf("unexpected object %s", o.ID)
			continue
		}
		if o.Source != w {
			t.Errorf("%s: source %+v, want %+v", o.ID, o.Source, w)
		}
		delete(want, o.ID.String())
	}
	for id := range want {
		t.Errorf("missing %s", id)
	}
}
