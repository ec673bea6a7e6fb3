// Package report turns a review (checks.Result) into what people read: the
// check run's title, summary, text and annotations, the review comments,
// and the text, markdown, JSON and SARIF outputs of `kustoguard check`.
// Everything here is pure and deterministic, so outputs are golden-tested.
package report
