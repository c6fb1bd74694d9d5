package main

import (
	"context"
	"os"
	"testing"
)

// TestMain lets the test binary act as the securemerge program in a child
// process (SECUREMERGE_TEST_MAIN=1), so end-to-end tests can run the real
// command and kill it with SIGKILL without building another binary.
func TestMain(m *testing.M) {
	if os.Getenv("SECUREMERGE_TEST_MAIN") == "1" {
		code := (&Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}).Run(context.Background(), os.Args[1:])
		os.Exit(code)
	}
	os.Exit(m.Run())
}
