package main

import (
	"context"
	"strings"

	"fmt"

	"github.com/securemerge/securemerge/internal/graph"
)

// tokens returns how to authenticate: SECUREMERGE_ACCESS_TOKEN as is, or the
// signed-in account's cached tokens.
func (m *Main) tokens(dataDir string) (graph.TokenSource, *graph.Auth, error) {
	if tok := strings.TrimSpace(m.getenv(graph.EnvAccessToken)); tok != "" {
		return graph.StaticToken(tok), nil, nil
	}
	dir, err := m.dataDir(dataDir)
	if err != nil {
		return nil, nil, err
	}
	auth, err := graph.NewAuth(graph.AuthOptions{
		ClientID:  strings.TrimSpace(m.getenv(graph.EnvClientID)),
		Authority: strings.TrimSpace(m.getenv(graph.EnvAuthority)),
		CacheDir:  dir,
		DeviceCodePrompt: func(msg string) {
			fmt.Fprintln(m.Stderr, msg)
		},
	})
	if err != nil {
		return nil, nil, err
	}
	return auth, auth, nil
}

func (m *Main) runLogin(ctx context.Context, args []string) int {
	fs := m.flags("login", "[--device-code] [--admin]",
		"Sign in to your Microsoft 365 mailbox in the browser (or with a device code).")
	device := fs.Bool("device-code", false, "sign in with a code on another device instead of a local browser")
	admin := fs.Bool("admin", false, "also ask for directory access (tenant admins assigning licences)")
	contacts := fs.Bool("contacts", false, "also allow reading your contacts and those shared with you (for --data contacts:…)")
	dataDir := fs.String("data-dir", "", "folder of the local database and token cache")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	_, auth, err := m.tokens(*dataDir)
	if err != nil {
		return m.fail(err)
	}
	if auth == nil {
		fmt.Fprintln(m.Stderr, "securemerge: SECUREMERGE_ACCESS_TOKEN is set: sign-in is not needed")
		return exitOK
	}
	var acct graph.Account
	if *admin {
		acct, err = auth.LoginAdmin(ctx, *device)
	} else if *contacts {
		acct, err = auth.Consent(ctx, *device, graph.ContactsScope, graph.SharedContactsScope)
	} else {
		acct, err = auth.Login(ctx, *device)
	}
	if err != nil {
		if ctx.Err() != nil {
			return exitCanceled
		}
		return m.fail(fmt.Errorf("sign-in failed: %w", err))
	}
	fmt.Fprintf(m.Stdout, "Signed in as %s\n", firstNonEmpty(acct.Username, acct.Name))
	if !auth.Persistent() {
		fmt.Fprintln(m.Stderr, graph.NoKeyringMessage)
	}
	return exitOK
}

func (m *Main) runLogout(ctx context.Context, args []string) int {
	fs := m.flags("logout", "", "Sign out and remove the saved tokens from this computer.")
	dataDir := fs.String("data-dir", "", "folder of the local database and token cache")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	_, auth, err := m.tokens(*dataDir)
	if err != nil {
		return m.fail(err)
	}
	if auth == nil {
		fmt.Fprintln(m.Stdout, "Using SECUREMERGE_ACCESS_TOKEN: nothing saved to remove")
		return exitOK
	}
	if err := auth.Logout(ctx); err != nil {
		return m.fail(err)
	}
	fmt.Fprintln(m.Stdout, "Signed out; the saved tokens were removed")
	return exitOK
}

func (m *Main) runWhoami(ctx context.Context, args []string) int {
	fs := m.flags("whoami", "", "Show the mailbox that sends: name and address.")
	dataDir := fs.String("data-dir", "", "folder of the local database and token cache")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	mb, err := m.connect(ctx, *dataDir)
	if err != nil {
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
		return exitFailure
	}
	self, err := mb.Address()
	if err != nil {
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(m.Stdout, self.String())
	return exitOK
}
