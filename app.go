// Package kustoguard holds the GitHub App manifest (app.yml), so that the
// registration flow posts exactly the permissions and events the
// repository documents.
package kustoguard

import _ "embed"

// AppManifest is app.yml: the GitHub App manifest.
//
//go:embed app.yml
var AppManifest []byte
