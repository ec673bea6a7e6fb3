// Package bot is the GitHub App: it verifies and queues webhook deliveries,
// fetches pull requests through the narrow GitHub interface, runs the
// review engine (package checks), and reports the result as a check run and
// a pull request review, holding the check until an approver approves
// flagged changes. All GitHub I/O goes through the GitHub interface; only
// package githubapi speaks go-github. RunAction runs the same pipeline once
// for a GitHub Actions workflow step (kustoguard action).
package bot
