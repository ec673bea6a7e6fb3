// Package githubapi is kustoguard's side of the GitHub REST API: the narrow
// Client interface the review needs (pull requests, trees, check runs,
// reviews, approvers), its go-github implementation authenticated as a
// GitHub App installation or with a plain token, and the retrying, pacing
// transport both share. The App server and the Actions step use it alike;
// bot/githubtest fakes the API it talks to.
package githubapi
