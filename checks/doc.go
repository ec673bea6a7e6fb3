// Package checks holds kustoguard's rules and the review engine around them.
//
// Every rule is self-describing (Rule) and pure: a function of rendered
// objects, their changes and the repository configuration. Default lists
// the catalog; Run applies configuration, suppression annotations and scope
// and marks each finding new, existing or resolved; Review runs the whole
// local pipeline over two trees. Nothing here performs I/O.
package checks
