// Package render turns an untrusted repository tree into Kubernetes objects.
//
// It loads a tree into an in-memory filesystem under size limits (Tree),
// discovers the kustomization roots worth rendering and the ones a set of
// changed paths affects (Overlays, Affected), renders one root exactly as
// `kustomize build` would with every external capability disabled
// (Tree.Render), and compares two renders object by object (Diff).
//
// Rendering never touches the network, runs a process or reads outside
// the tree it was given; only LoadGitRev runs `git archive` to read a
// revision. The package imports no other kustoguard package.
package render
