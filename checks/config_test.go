package checks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseConfig_examples parses every example of testdata/config: the
// valid-*.yml files must parse (their parsed form is golden), the
// invalid-*.yml ones must fail (their errors are golden). A JSON Schema of
// the configuration must agree with the same files.
func TestParseConfig_examples(t *testing.T) {
	files, err := filepath.Glob("testdata/config/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := ParseConfig(data)
			switch {
			case strings.HasPrefix(name, "valid-"):
				if err != nil {
					t.Fatalf("ParseConfig: %v", err)
				}
				got, _ := json.MarshalIndent(cfg, "", "  ")
				assertGolden(t, "testdata/config/"+name+".golden.json", append(got, '\n'))
			case strings.HasPrefix(name, "invalid-"):
				if err != nil {
					assertGolden(t, "testdata/config/"+name+".golden.txt", []byte(err.Error()+"\n"))
					return
				}
				t.Fatal("ParseConfig accepted an invalid configuration")
			default:
				t.Fatalf("example %s is neither valid-* nor invalid-*", f)
			}
		})
	}
}

func TestParseConfig_errors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknownKey", "overlays: []\n\nscop: all\n", `line 3: unknown key "scop"`},
		{"unknownRule", "rules:\n  foo: {enabled: false}\n", "line 2: rules.foo: unknown rule id"},
		{"badScope", "\n\n\nscope: some\n", "line 4: scope: must be changed or all"},
		{"badSeverity", "rules:\n  cpu-limit-missing: {severity: fatal}\n", "line 2: rules.cpu-limit-missing.severity: must be error, warning or notice"},
		{"badTeam", "approvers:\n  - teams: [sre]\n", `line 2: approvers[0].teams: "sre" must be org/team-slug`},
		{"noApprovers", "approvers:\n  - rules: [rbac-change]\n", "line 2: approvers[0]: names no teams or users"},
		{"badGlob", "ignore: [\"a/[b\"]\n", `line 1: ignore: "a/[b" is not a valid path glob`},
		{"notAMapping", "- scope\n", "line 1: configuration: must be a mapping"},
		{"syntax", "scope: [\n", "parsing .github/kustoguard.yml: line 1: did not find expected node content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("ParseConfig(%q) succeeded, want error %q", tt.yaml, tt.want)
			}
			if first, _, _ := strings.Cut(err.Error(), "\n"); first != tt.want {
				t.Errorf("error = %q, want %q", first, tt.want)
			}
		})
	}
}

func TestParseConfig_defaults(t *testing.T) {
	for _, data := range []string{"", "# nothing\n", "---\n"} {
		cfg, err := ParseConfig([]byte(data))
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", data, err)
		}
		if diff := cmp.Diff(DefaultConfig(), cfg); diff != "" {
			t.Errorf("ParseConfig(%q) (-default +got):\n%s", data, diff)
		}
	}
}

func TestConfig_ApproversFor(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
approvers:
  - rules: [rbac-change, rbac-escalation]
    teams: [acme/security]
    users: [alice]
  - users: [bob, alice]
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rule         string
		users, teams []string
	}{
		{"rbac-change", []string{"alice", "bob"}, []string{"acme/security"}},
		{"config-change", []string{"bob", "alice"}, nil},
	}
	for _, tt := range tests {
		users, teams, configured := cfg.ApproversFor(tt.rule)
		if !configured || !cmp.Equal(users, tt.users) || !cmp.Equal(teams, tt.teams) {
			t.Errorf("ApproversFor(%s) = %v, %v, %v; want %v, %v, true", tt.rule, users, teams, configured, tt.users, tt.teams)
		}
	}
	if _, _, configured := DefaultConfig().ApproversFor("rbac-change"); configured {
		t.Error("DefaultConfig has approvers configured, want repository admins")
	}
}

// FuzzParseConfig checks that no input makes ParseConfig panic, and that
// whatever it accepts is valid.
func FuzzParseConfig(f *testing.F) {
	files, _ := filepath.Glob("testdata/config/*.yml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("rules: {rbac-change: [1]}\napprovers: [[], {users: {}}]\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			return
		}
		if cfg.Scope != ScopeChanged && cfg.Scope != ScopeAll {
			t.Errorf("accepted scope %q", cfg.Scope)
		}
		policies := map[string]bool{}
		for _, p := range cfg.Policies {
			policies[p.Name] = true
		}
		for id := range cfg.Rules {
			if !knownRule(id) && !policies[id] {
				t.Errorf("accepted rule id %q, neither a rule nor a policy of the file", id)
			}
		}
	})
}
