package githubapi

import (
	"context"
	"errors"
	"testing"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

func TestRepoPrivate(t *testing.T) {
	fake := githubtest.New()
	defer fake.Close()
	fake.AddRepo("acme", "gitops", 77)
	fake.AddRepo("acme", "secret", 77)
	fake.SetPrivate("acme", "secret", true)
	fake.AddRepo("globex", "elsewhere", 78)
	factory, err := NewClientFactory(ClientConfig{AppID: fake.AppID, PrivateKey: fake.PrivateKeyPEM, BaseURL: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := factory(77)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := c.(RepoVisibility)
	if !ok {
		t.Fatal("the client cannot tell a repository's visibility")
	}
	ctx := context.Background()
	for _, tt := range []struct {
		repo    Repo
		private bool
		missing bool
	}{
		{Repo{Owner: "acme", Name: "gitops"}, false, false},
		{Repo{Owner: "acme", Name: "secret"}, true, false},
		{Repo{Owner: "globex", Name: "elsewhere"}, false, true}, // another installation's
	} {
		got, err := v.RepoPrivate(ctx, tt.repo)
		if tt.missing {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", tt.repo.FullName(), err)
			}
			continue
		}
		if err != nil || got != tt.private {
			t.Errorf("%s: RepoPrivate = %v, %v, want %v", tt.repo.FullName(), got, err, tt.private)
		}
	}
}
