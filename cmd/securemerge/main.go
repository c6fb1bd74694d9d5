// Command securemerge is the SecureMerge app. With no arguments it opens the
// desktop window; with a subcommand it runs the same engine headless (see
// `securemerge help`).
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/securemerge/securemerge/internal/quietinit"
)

func main() {
	quietinit.Release()
	attachConsole()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := (&Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}).RunCaught(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
