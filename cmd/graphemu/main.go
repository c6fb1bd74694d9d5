package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "graphemu:", err)
		os.Exit(1)
	}
}

// run serves the emulator until ctx is done. It writes the environment
// lines to stdout and, with -v, one line per request to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("graphemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback only: the app accepts plain http only for a loopback host)")
	token := fs.String("token", "", "the only accepted bearer token (default: a random one)")
	mailbox := fs.String("mailbox", "ada@contoso.test", "address of the signed-in mailbox")
	name := fs.String("name", "Ada Admin", "display name of the signed-in mailbox")
	rate := fs.Int("rate", 30, "messages per -window and mailbox")
	window := fs.Duration("window", time.Minute, "sliding window of -rate")
	concurrency := fs.Int("concurrency", 4, "concurrent requests per mailbox")
	daily := fs.Int("daily", 10000, "recipients per rolling -day")
	day := fs.Duration("day", 24*time.Hour, "length of the rolling recipient window")
	latency := fs.Duration("latency", 0, "delay added to every request")
	lag := fs.Duration("sent-items-lag", 0, "how long an accepted message takes to reach Sent Items (Exchange's is undocumented; seconds, more under load)")
	faultRate := fs.Float64("fault-rate", 0, "probability that a request creating or sending mail gets a random fault from -faults")
	faults := fs.String("faults", "Throttle,Unavailable,TimeoutAfterAccept", "comma-separated faults for -fault-rate: Throttle, Unavailable, TimeoutAfterAccept, DropAfterAccept, DropBefore, Unauthorized, Redirect")
	retryAfter := fs.Duration("retry-after", time.Second, "Retry-After of injected throttles")
	seed := fs.Int64("seed", 1, "seed of the random faults")
	verbose := fs.Bool("v", false, "log every request to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var kinds []graphtest.Fault
	for _, n := range strings.Split(*faults, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		f, ok := graphtest.ParseFault(n)
		if !ok {
			return fmt.Errorf("-faults: unknown fault %q", n)
		}
		kinds = append(kinds, f)
	}
	if *token == "" {
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		*token = "emu-" + hex.EncodeToString(b)
	}
	opt := graphtest.Options{
		User:            graphtest.User{ID: "11111111-1111-1111-1111-111111111111", DisplayName: *name, Mail: *mailbox, UserPrincipalName: *mailbox},
		Tokens:          []string{*token},
		PerWindow:       *rate,
		Window:          *window,
		Concurrency:     *concurrency,
		DailyRecipients: *daily,
		DayLength:       *day,
		Seed:            *seed,
		SentItemsLag:    *lag,
	}
	if *verbose {
		l := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
		opt.Logf = l.Printf
	}
	emu := graphtest.NewHandler(opt)
	emu.SetLatency(*latency)
	emu.SetRetryAfter(*retryAfter)
	emu.SetFaultRate(*faultRate, kinds...)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "SECUREMERGE_GRAPH_URL=http://%s/v1.0\n", ln.Addr())
	fmt.Fprintf(stdout, "SECUREMERGE_ACCESS_TOKEN=%s\n", *token)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
