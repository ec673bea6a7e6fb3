package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff_renames(t *testing.T) {
	cm := func(name, ns, data string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + ns + "}\ndata: {k: " + data + "}\n"
	}
	tests := []struct {
		name, base, head string
		want             []changeSummary
	}{
		{
			name: "namePrefixAdded",
			base: cm("web", "a", "1"),
			head: cm("dev-web", "a", "2"),
			want: []changeSummary{{"/ConfigMap/a/dev-web", Modified, []string{"data.k", "metadata.name"}}},
		},
		{
			name: "namePrefixChanged",
			base: cm("staging-web-config", "a", "1"),
			head: cm("prod-web-config", "a", "1"),
			want: []changeSummary{{"/ConfigMap/a/prod-web-config", Modified, []string{"metadata.name"}}},
		},
		{
			name: "namespaceChanged",
			base: cm("web", "a", "1"),
			head: cm("web", "b", "1"),
			want: []changeSummary{{"/ConfigMap/b/web", Modified, []string{"metadata.namespace"}}},
		},
		{
			name: "sameContentNewName",
			base: cm("alpha", "a", "1"),
			head: cm("omega", "a", "1"),
			want: []changeSummary{{"/ConfigMap/a/omega", Modified, []string{"metadata.name"}}},
		},
		{
			name: "unrelatedNamesOtherContent",
			base: cm("alpha", "a", "1"),
			head: cm("omega", "a", "2"),
			want: []changeSummary{{"/ConfigMap/a/alpha", Removed, nil}, {"/ConfigMap/a/omega", Added, nil}},
		},
		{
			name: "ambiguousStaysAddedAndRemoved",
			base: cm("web", "a", "1") + "---\n" + cm("web", "b", "2"),
			head: cm("dev-web", "a", "3"),
			want: []changeSummary{{"/ConfigMap/a/dev-web", Added, nil}, {"/ConfigMap/a/web", Removed, nil}, {"/ConfigMap/b/web", Removed, nil}},
		},
		{
			name: "emptyObjectsAreNotPairedByContent",
			base: "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: builder}\n",
			head: "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: deployer}\n",
			want: []changeSummary{{"/ServiceAccount//builder", Removed, nil}, {"/ServiceAccount//deployer", Added, nil}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []changeSummary
			for _, c := range Diff(parseDiffObjects(t, tt.base), parseDiffObjects(t, tt.head)) {
				got = append(got, changeSummary{c.ID.Key(), c.Type, c.Paths})
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Diff (-want +got):\n%s", d)
			}
		})
	}
}
