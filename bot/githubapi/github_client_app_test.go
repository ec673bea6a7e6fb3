package githubapi

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

func TestAppClient(t *testing.T) {
	fake := githubtest.New()
	defer fake.Close()
	fake.AddRepo("acme", "gitops", 77)
	fake.AddRepo("acme", "other", 78)
	ctx := context.Background()
	app, err := NewAppClient(ClientConfig{AppID: fake.AppID, PrivateKey: fake.PrivateKeyPEM, BaseURL: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	slug, err := app.App(ctx)
	if err != nil || slug != "kustoguard" {
		t.Errorf("App() = %q, %v", slug, err)
	}
	ids, err := app.Installations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{77, 78}, ids); diff != "" {
		t.Errorf("installations (-want +got):\n%s", diff)
	}

	// Registration has no credentials yet.
	anon, err := NewAppClient(ClientConfig{BaseURL: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.App(ctx); err == nil {
		t.Error("App() without credentials: want an error")
	}
	creds, err := anon.ConvertManifest(ctx, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	if creds.ID != fake.AppID || creds.Slug != "kustoguard" || creds.PEM != string(fake.PrivateKeyPEM) || creds.WebhookSecret == "" {
		t.Errorf("credentials %+v", creds)
	}
	reqs := fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Method != "POST" || last.Path != "/app-manifests/abc123/conversions" {
		t.Errorf("last request %s %s", last.Method, last.Path)
	}
}

func TestNewClientFactory_invalid(t *testing.T) {
	fake := githubtest.New()
	fake.Close()
	tests := map[string]ClientConfig{
		"noAppID":  {PrivateKey: fake.PrivateKeyPEM},
		"badPEM":   {AppID: 1, PrivateKey: []byte("not a key")},
		"badURL":   {AppID: 1, PrivateKey: fake.PrivateKeyPEM, BaseURL: "::"},
		"relative": {AppID: 1, PrivateKey: fake.PrivateKeyPEM, BaseURL: "api/v3/"},
		"emptyKey": {AppID: 1},
	}
	for name, cfg := range tests {
		if _, err := NewClientFactory(cfg); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestParsePrivateKey_pkcs8(t *testing.T) {
	fake := githubtest.New()
	fake.Close()
	block, _ := pem.Decode(fake.PrivateKeyPEM)
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parsePrivateKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil || !got.Equal(k) {
		t.Errorf("PKCS#8 key: %v", err)
	}
}
