package store_test

import (
	"fmt"
	"os"
	"testing"
)

// helperEnv names the helper a re-executed test binary runs instead of the
// tests (the helper-process pattern): a second SecureMerge holding the
// database, a process killed mid-transaction, one that runs out of disk.
const helperEnv = "STORE_TEST_HELPER"

var helpers = map[string]func() error{}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		fn := helpers[name]
		if fn == nil {
			fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
			os.Exit(2)
		}
		if err := fn(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
