package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/license/server"
)

// purgeEvery is how often serve runs the purge (DESIGN.md §7: daily).
const purgeEvery = 24 * time.Hour

func (m *Main) runServe(ctx context.Context, args []string) int {
	fs := m.flags("serve", "")
	addr := fs.String("addr", m.envOr(envAddr, defaultAddr), "listen `ADDRESS` (env LICENSED_ADDR)")
	dbSpec := m.dbFlag(fs)
	keyFile := fs.String("key", m.envOr(envKey, ""), "signing key `FILE` written by keygen (env LICENSED_KEY)")
	audience := fs.String("audience", m.envOr(envAudience, ""), "the app's Azure client ID, the audience of admins' ID tokens (env LICENSED_AUDIENCE)")
	authority := fs.String("authority", m.envOr(envAuthority, defaultAuthority), "Microsoft identity `URL` that issues admins' ID tokens (env LICENSED_AUTHORITY)")
	if c := parse(m, fs, args, 0); c >= 0 {
		return c
	}
	switch {
	case *keyFile == "":
		fmt.Fprintln(m.Stderr, "licensed serve: --key FILE is required (licensed keygen --out FILE writes one)")
		return exitUsage
	case *audience == "":
		fmt.Fprintln(m.Stderr, "licensed serve: --audience CLIENT_ID is required (the app's Azure client ID)")
		return exitUsage
	}
	if err := checkAuthority(*authority); err != nil {
		fmt.Fprintf(m.Stderr, "licensed serve: %v\n", err)
		return exitUsage
	}
	if _, err := parseDB(*dbSpec); err != nil {
		fmt.Fprintf(m.Stderr, "licensed serve: %v\n", err)
		return exitUsage
	}
	key, err := server.LoadKeyFile(*keyFile)
	if err != nil {
		fmt.Fprintf(m.Stderr, "licensed serve: %v\n", err)
		return exitFailure
	}
	verifier, err := server.NewMicrosoftVerifier(server.VerifierOptions{Authority: *authority, Audience: *audience, Now: m.Now})
	if err != nil {
		fmt.Fprintf(m.Stderr, "licensed serve: %v\n", err)
		return exitUsage
	}
	db, code := m.openDB(ctx, *dbSpec)
	if db == nil {
		return code
	}
	defer db.Close()

	log := slog.New(slog.NewJSONHandler(m.Stderr, nil))
	srv, err := server.New(server.Options{Store: db, Verifier: verifier, Key: key, Logger: log, Now: m.Now})
	if err != nil {
		fmt.Fprintf(m.Stderr, "licensed serve: %v\n", err)
		return exitFailure
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(m.Stderr, "licensed serve: %v\n", err)
		return exitFailure
	}
	log.Info("listening", "addr", ln.Addr().String(), "public_key", license.EncodePublicKey(srv.PublicKey()),
		"audience", *audience, "authority", *authority)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	purged := make(chan struct{})
	go func() {
		defer close(purged)
		m.purgeDaily(ctx, db, log)
	}()
	err = srv.Serve(ctx, ln)
	cancel()
	<-purged
	if err != nil {
		log.Error("serve failed", "err", err.Error())
		return exitFailure
	}
	log.Info("stopped")
	return exitOK
}

// purgeDaily runs the purge at start and every purgeEvery until ctx is
// done. On PostgreSQL, instances that find another purging leave it to it.
func (m *Main) purgeDaily(ctx context.Context, db server.Store, log *slog.Logger) {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		if n, err := db.Purge(m.now()); errors.Is(err, server.ErrPurgeBusy) {
			log.Info("purge left to another instance")
		} else if err != nil {
			log.Error("purge failed", "err", err.Error())
		} else if n > 0 {
			log.Info("purged", "licences", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
