package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The data and template of BenchmarkSendOutbox5k. They are the ones
// internal/merge/testdata/mailmerge_bench.sh gives to the Python mailmerge
// CLI and to securemerge when mailmerge is installed, so the two figures
// compare the same work: keep them in step.
const (
	benchOutboxRows = 5000
	benchOutboxTpl  = `From: events@example.com
To: {{ email }}
Subject: Invitation for {{ first_name }}
Format: text

Dear {{ first_name }},

We are delighted to invite you{% if company %} with your colleagues at {{ company }}{% endif %}.
The meeting takes place in {{ city }}.
`
)

// benchOutboxCSV is the recipient list: email,first_name,company,city.
func benchOutboxCSV(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("email,first_name,company,city\n")
	for i := range rows {
		fmt.Fprintf(&b, "user%d@example.com,Zoé%d,Société %d,Lyon\n", i, i, i%97)
	}
	return b.Bytes()
}

// benchOutboxFiles writes the list and the template into dir.
func benchOutboxFiles(tb testing.TB, dir string, rows int) (csv, tpl string) {
	tb.Helper()
	csv, tpl = filepath.Join(dir, "data.csv"), filepath.Join(dir, "invite.tpl")
	if err := os.WriteFile(csv, benchOutboxCSV(rows), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(tpl, []byte(benchOutboxTpl), 0o600); err != nil {
		tb.Fatal(err)
	}
	return csv, tpl
}

// sendOutbox runs `securemerge send --outbox` in-process with its own data
// folder and returns the exit code and what it printed.
func sendOutbox(ctx context.Context, csv, tpl, outbox, dataDir, name string) (int, string) {
	var out bytes.Buffer
	m := &Main{
		Stdin:  strings.NewReader(""),
		Stdout: &out, Stderr: &out,
		Getenv: func(k string) string {
			if k == "SECUREMERGE_DATA_DIR" {
				return dataDir
			}
			return ""
		},
		GUI: func(context.Context, *Main) int { return -1 },
	}
	code := m.Run(ctx, []string{"send", "--data", csv, "--template", tpl, "--outbox", outbox, "--campaign", name})
	return code, out.String()
}

// countMessages counts the .eml files in an outbox folder.
func countMessages(tb testing.TB, dir string) int {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		tb.Fatal(err)
	}
	return len(names)
}

// TestBenchOutboxFixture checks that the benchmark's command does the work
// it is timed for: one complete message per row, rendered from the row.
func TestBenchOutboxFixture(t *testing.T) {
	const rows = 30
	dir := t.TempDir()
	csv, tpl := benchOutboxFiles(t, dir, rows)
	out := filepath.Join(dir, "outbox")
	code, printed := sendOutbox(context.Background(), csv, tpl, out, filepath.Join(dir, "data"), "bench")
	if code != exitOK {
		t.Fatalf("send --outbox exit %d; want 0\n%s", code, printed)
	}
	if n := countMessages(t, out); n != rows {
		t.Errorf("send --outbox wrote %d .eml files; want %d", n, rows)
	}
	names, _ := filepath.Glob(filepath.Join(out, "*.eml"))
	var found bool
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		eml := string(b)
		if !strings.Contains(eml, "user7@example.com") {
			continue
		}
		found = true
		for _, want := range []string{"Dear Zo", "Société 7", "The meeting takes place in Lyon."} {
			if !strings.Contains(eml, want) && !strings.Contains(eml, strings.ReplaceAll(want, "é", "=C3=A9")) {
				t.Errorf("the message to user7@example.com does not contain %q:\n%s", want, eml)
			}
		}
	}
	if !found {
		t.Errorf("no message to user7@example.com among %d files", len(names))
	}
}

// BenchmarkSendOutbox5k runs the whole program as a person would —
// `securemerge send --data data.csv --template invite.tpl --outbox DIR
// --campaign NAME` on 5,000 rows, with a new database and outbox each time —
// and reports messages per second. This is the figure the issue compares
// with `mailmerge --dry-run --no-limit` (target: 10x faster); see
// internal/merge/testdata/mailmerge_bench.sh.
func BenchmarkSendOutbox5k(b *testing.B) {
	root := b.TempDir()
	csv, tpl := benchOutboxFiles(b, root, benchOutboxRows)
	ctx := context.Background()
	var peak float64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		run := filepath.Join(root, fmt.Sprint(i))
		outbox, dataDir := filepath.Join(run, "outbox"), filepath.Join(run, "data")
		stop := heapPeak()
		b.StartTimer()
		code, printed := sendOutbox(ctx, csv, tpl, outbox, dataDir, fmt.Sprintf("bench %d", i))
		b.StopTimer()
		peak = max(peak, stop())
		if code != exitOK {
			b.Fatalf("send --outbox exit %d; want 0\n%s", code, printed)
		}
		if n := countMessages(b, outbox); n != benchOutboxRows {
			b.Fatalf("send --outbox wrote %d .eml files; want %d\n%s", n, benchOutboxRows, printed)
		}
		if err := os.RemoveAll(run); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(benchOutboxRows*b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(peak, "peak-MB")
}

// heapPeak samples the heap in use (runtime.MemStats HeapInuse) every 2 ms
// until the returned stop is called, which returns the peak in MB.
func heapPeak() (stop func() float64) {
	var mu sync.Mutex
	var peak uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		peak = max(peak, ms.HeapInuse)
		mu.Unlock()
	}
	runtime.GC()
	sample()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() float64 {
		close(done)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return float64(peak) / (1 << 20)
	}
}
