package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"runtime"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
)

// DSN is the crash-report endpoint built into the app, set with
// -ldflags "-X github.com/securemerge/securemerge/internal/telemetry.DSN=https://KEY@HOST/ID".
// "" (the default) means the build has none; cmd may still pass
// SECUREMERGE_SENTRY_DSN. This package never reads the environment, so
// SENTRY_DSN cannot switch reports on.
var DSN string

// ModulePath is the module whose files report paths relative to its root.
const ModulePath = "github.com/securemerge/securemerge"

// Report is one crash report: a sentry event holding only what DESIGN.md
// §10.3 allows. Build one with NewReport; Preview and Send agree on it.
type Report struct {
	event *sentry.Event
}

// NewReport builds the report of a recovered panic value from inside the
// deferred function that recovered it (the panicking frames are then still
// on the stack). release is the app version. Every text is scrubbed.
func NewReport(recovered any, release string, s *Scrubber) *Report {
	if s == nil {
		s = &Scrubber{}
	}
	e := sentry.NewEvent()
	e.Level = sentry.LevelFatal
	e.Exception = []sentry.Exception{{
		Type:       fmt.Sprintf("%T", recovered),
		Value:      fmt.Sprint(recovered),
		Stacktrace: sentry.NewStacktrace(),
	}}
	return &Report{event: clean(e, release, s)}
}

// JSON is the report exactly as its event goes to the endpoint (the
// transport wraps it in an envelope whose header holds the event id, the
// SDK name and the DSN's public key).
func (r *Report) JSON() ([]byte, error) {
	b, err := json.Marshal(r.event)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return json.MarshalIndent(v, "", "  ")
}

// clean returns a new event holding only the exception types, their
// scrubbed values, stack frames (function, package, file relative to its
// module, line) and the app and OS versions: a whitelist, so that whatever
// sentry-go or a future integration adds (server name, user, request,
// breadcrumbs, modules, device) never leaves.
func clean(in *sentry.Event, release string, s *Scrubber) *sentry.Event {
	out := &sentry.Event{
		EventID:   in.EventID,
		Timestamp: in.Timestamp.UTC(),
		Level:     sentry.LevelFatal,
		Platform:  "go",
		Release:   release,
		Contexts: map[string]sentry.Context{
			"app":     {"app_version": release},
			"os":      {"name": runtime.GOOS, "arch": runtime.GOARCH},
			"runtime": {"name": "go", "version": runtime.Version()},
		},
	}
	if in.Message != "" {
		out.Message = s.Scrub(in.Message)
	}
	for _, ex := range in.Exception {
		c := sentry.Exception{Type: s.Scrub(ex.Type), Value: s.Scrub(ex.Value)}
		if ex.Stacktrace != nil {
			c.Stacktrace = &sentry.Stacktrace{Frames: frames(ex.Stacktrace.Frames, s)}
		}
		out.Exception = append(out.Exception, c)
	}
	return out
}

func frames(in []sentry.Frame, s *Scrubber) []sentry.Frame {
	root := moduleRoot(in)
	out := make([]sentry.Frame, 0, len(in))
	for _, f := range in {
		out = append(out, sentry.Frame{
			Function: f.Function, // code of the binary, never the user's
			Module:   f.Module,
			Filename: s.Scrub(relativeFile(f, root)),
			Lineno:   f.Lineno,
			InApp:    f.InApp,
		})
	}
	return out
}

// moduleRoot is the folder this module was built from, found from a frame
// of one of its packages ("" when built with -trimpath or not found).
func moduleRoot(fs []sentry.Frame) string {
	for _, f := range fs {
		if f.AbsPath == "" || !strings.HasPrefix(f.Module, ModulePath+"/") {
			continue
		}
		dir := path.Dir(strings.ReplaceAll(f.AbsPath, `\`, "/"))
		rel := strings.TrimPrefix(f.Module, ModulePath+"/")
		if root, ok := strings.CutSuffix(dir, "/"+rel); ok {
			return root
		}
	}
	return ""
}

// relativeFile is a frame's file without the folder it was built in: the
// module-relative path for this module, the import path for the standard
// library and dependencies, the base name otherwise.
func relativeFile(f sentry.Frame, root string) string {
	file := strings.ReplaceAll(f.AbsPath, `\`, "/")
	if file == "" {
		file = f.Filename // -trimpath: already module-qualified
		if rest, ok := strings.CutPrefix(file, ModulePath+"/"); ok {
			return rest
		}
		return file
	}
	if root != "" {
		if rest, ok := strings.CutPrefix(file, root+"/"); ok {
			return rest
		}
	}
	for _, marker := range []string{"/pkg/mod/", "/src/"} {
		if i := strings.LastIndex(file, marker); i >= 0 {
			return file[i+len(marker):]
		}
	}
	return path.Base(file)
}

// Reporter sends reports to one endpoint. Only New creates the sentry
// client, so an app that never builds a Reporter never initialises Sentry.
type Reporter struct {
	client  *sentry.Client
	scrub   *Scrubber
	release string
	host    string
}

// Options configure a Reporter.
type Options struct {
	DSN     string // the endpoint; New refuses "" rather than let sentry-go fall back to SENTRY_DSN
	Release string // the app version
	// Transport carries the reports; nil means http.DefaultTransport. The
	// proxy settings of the transport apply (reports go the way every
	// other request of the app goes).
	Transport http.RoundTripper
}

// ErrNoDSN is New's answer when neither the build nor the caller names an
// endpoint.
var ErrNoDSN = errors.New("this build has no crash-report endpoint (SECUREMERGE_SENTRY_DSN names one)")

// New returns a reporter. Call it only once the user has opted in.
func New(o Options, s *Scrubber) (*Reporter, error) {
	if o.DSN == "" {
		return nil, ErrNoDSN
	}
	u, err := url.Parse(o.DSN)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("crash-report endpoint %q is not a DSN (https://KEY@HOST/PROJECT)", redactDSN(o.DSN))
	}
	if u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("crash-report endpoint %s: https is required (http only for loopback)", u.Host)
	}
	if s == nil {
		s = &Scrubber{}
	}
	r := &Reporter{scrub: s, release: o.Release, host: u.Host}
	tr := sentry.NewHTTPSyncTransport()
	tr.Timeout = 10 * time.Second
	c, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:         o.DSN,
		Release:     o.Release,
		Environment: "production", // else sentry-go reads SENTRY_ENVIRONMENT
		ServerName:  "-",          // else the host name; clean drops it anyway
		// SendDefaultPII stays at its zero value, off; BeforeSend's
		// whitelist would drop what it adds anyway.
		AttachStacktrace: false,
		MaxBreadcrumbs:   -1, // no breadcrumbs at all
		Integrations:     func([]sentry.Integration) []sentry.Integration { return nil },
		HTTPTransport:    o.Transport,
		Transport:        tr,
		BeforeSend: func(e *sentry.Event, _ *sentry.EventHint) *sentry.Event {
			return clean(e, r.release, r.scrub)
		},
		BeforeBreadcrumb: func(*sentry.Breadcrumb, *sentry.BreadcrumbHint) *sentry.Breadcrumb { return nil },
	})
	if err != nil {
		return nil, fmt.Errorf("crash-report endpoint: %v", err)
	}
	r.client = c
	return r, nil
}

// Host is where the reports go, for the messages that say so.
func (r *Reporter) Host() string { return r.host }

// Send sends the report and waits for it to leave (at most until ctx ends).
func (r *Reporter) Send(ctx context.Context, rep *Report) error {
	e := *rep.event
	id := r.client.CaptureEvent(&e, nil, nil)
	if id == nil {
		return errors.New("crash report dropped before sending")
	}
	if !r.client.FlushWithContext(ctx) {
		return fmt.Errorf("crash report to %s: not sent in time", r.host)
	}
	return nil
}

func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "@"); i >= 0 {
		if j := strings.Index(dsn, "://"); j >= 0 && j < i {
			return dsn[:j+3] + "…" + dsn[i:]
		}
	}
	return dsn
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
