package bot

import (
	"os"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kustoguard/kustoguard"
)

// TestAppManifest keeps app.yml in step with what the server handles and
// with the least permissions the README documents.
func TestAppManifest(t *testing.T) {
	var m struct {
		Public      bool              `json:"public"`
		Permissions map[string]string `json:"default_permissions"`
		Events      []string          `json:"default_events"`
	}
	if err := yaml.UnmarshalStrict(kustoguard.AppManifest, &m, yaml.DisallowUnknownFields); err != nil {
		// Other manifest keys are fine; only decode errors of known ones matter.
		if err := yaml.Unmarshal(kustoguard.AppManifest, &m); err != nil {
			t.Fatal(err)
		}
	}
	if m.Public {
		t.Error("the App must not be public")
	}
	events := slices.Clone(m.Events)
	slices.Sort(events)
	handled := slices.Clone(HandledEvents)
	slices.Sort(handled)
	if !slices.Equal(events, handled) {
		t.Errorf("app.yml subscribes to %v, the server handles %v", events, handled)
	}
	want := map[string]string{"checks": "write", "pull_requests": "write", "contents": "read", "metadata": "read", "members": "read"}
	if len(m.Permissions) != len(want) {
		t.Errorf("app.yml asks for %v, want exactly %v", m.Permissions, want)
	}
	for k, v := range want {
		if m.Permissions[k] != v {
			t.Errorf("permission %s: %q, want %q", k, m.Permissions[k], v)
		}
	}
	// Every handled event has a fixture the server turns into work.
	for _, ev := range HandledEvents {
		matches, _ := os.ReadDir("testdata/webhooks")
		found := false
		for _, f := range matches {
			if len(f.Name()) > len(ev) && f.Name()[:len(ev)] == ev {
				found = true
			}
		}
		if !found {
			t.Errorf("no webhook fixture for handled event %s", ev)
		}
	}
}
