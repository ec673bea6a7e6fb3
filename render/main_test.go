package render

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"testing"
)

// lockFlag picks how concurrent renders share kustomize's global state, so
// that `go test -race -renderlock=none` can show which modes race.
var lockFlag = flag.String("renderlock", "schema", "render locking: schema, global or none")

// TestMain silences kustomize's deprecation warnings, which it writes with
// the standard logger, and applies -renderlock.
func TestMain(m *testing.M) {
	flag.Parse()
	log.SetOutput(io.Discard)
	switch *lockFlag {
	case "schema":
		renderLockMode = lockSchema
	case "global":
		renderLockMode = lockGlobal
	case "none":
		renderLockMode = lockNone
	default:
		fmt.Fprintf(os.Stderr, "unknown -renderlock %q\n", *lockFlag)
		os.Exit(2)
	}
	os.Exit(m.Run())
}
