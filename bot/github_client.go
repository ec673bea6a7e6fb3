package bot

import (
	"errors"
	"net/http"
	"time"
)

// ClientConfig configures GitHub clients authenticated as the App.
type ClientConfig struct {
	AppID      int64
	PrivateKey []byte // PEM
	// BaseURL is the REST API root, used as given ("https://api.github.com/",
	// "https://HOST/api/v3/"); requests go to BaseURL+"repos/...".
	BaseURL string
	// Transport is the underlying transport (http.DefaultTransport when nil).
	Transport http.RoundTripper
	// MaxRetries bounds retries of one request on 5xx, dropped connections
	// and rate limits; MaxRetryWait bounds one wait (Retry-After included).
	MaxRetries   int
	MaxRetryWait time.Duration
	// MutationInterval spaces mutating requests per installation, as GitHub
	// asks of integrations (0 disables pacing).
	MutationInterval time.Duration
	// OnRequest, when set, observes every HTTP exchange (after retries are
	// split out: one call per attempt). status is 0 for a transport error.
	OnRequest func(method, route string, status int, d time.Duration)
}

// NewClientFactory returns a factory of installation clients.
//
// STUB: replaced by the real client.
func NewClientFactory(cfg ClientConfig) (ClientFactory, error) {
	return nil, errors.New("not implemented")
}
