package merge_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/outbox"
)

// csvSource is a RowSource over encoding/csv, standing in for internal/sheet
// so the benchmark does not depend on another package's progress.
type csvSource struct {
	r    *csv.Reader
	line int
}

func newCSVSource(data []byte) (*csvSource, []string, error) {
	return readCSVSource(bytes.NewReader(data))
}

func readCSVSource(rd io.Reader) (*csvSource, []string, error) {
	r := csv.NewReader(rd)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, nil, err
	}
	return &csvSource{r: r, line: 1}, append([]string(nil), head...), nil
}

func (s *csvSource) Next() ([]string, error) {
	rec, err := s.r.Read()
	if err == nil {
		s.line++
	}
	return rec, err
}

func (s *csvSource) Line() int { return s.line }

// benchCSV generates n rows of realistic recipient data.
func benchCSV(n int) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"Email", "First Name", "Last Name", "Company", "City", "Date RDV"})
	cities := []string{"Lyon", "Paris", "Besançon", "", "Genève"}
	for i := range n {
		company := ""
		if i%3 != 0 {
			company = fmt.Sprintf("Société %d", i%97)
		}
		w.Write([]string{fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("Zoé%d", i), "Lefèvre", company, cities[i%len(cities)], "2025-03-14"})
	}
	w.Flush()
	return b.Bytes()
}

// BenchTemplate is the body used by the pipeline benchmarks and by
// testdata/mailmerge_bench.sh (about 1 KB, 5 tokens and a conditional).
const benchTemplate = `From: Events <events@example.com>
To: {{ First Name }} {{ Last Name }} <{{ Email }}>
Subject: Invitation for {{ First Name }}

Dear {{ First Name }},

We are delighted to invite you to our spring meeting{% if Company %} together with your colleagues at **{{ Company }}**{% endif %}.
The meeting takes place in {{ City | default: 'our offices' }} on {{ ["Date RDV"] }}; coffee is served from 9 o'clock.

- Morning: talks and demonstrations of the new release
- Lunch: on us, with vegetarian options
- Afternoon: workshops in small groups, questions welcome

Please let us know before the end of the month whether you can come, and whether you need anything
special to make your visit comfortable. You can reply to this message directly: it goes to a person.

Kind regards,
The events team
`

// syncEvery is how many messages the real outbox sender writes between two
// Dir.Sync calls (campaign's batch size): one filesystem sync per batch
// instead of one fsync per file.
const syncEvery = 256

// heapPeak samples the heap in use (runtime.MemStats HeapInuse) every 2 ms
// until stop is called, which returns the peak in MB.
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
	runtime.GC() // start from the live heap, not the setup's garbage
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

// benchPipeline measures what `send --outbox` does to a CSV of rows
// recipients: validate every row, render them with the engine, write one
// .eml per message through outbox.Dir in batch mode with a Dir.Sync every
// syncEvery messages (as campaign's batched sender does), and the summary.
func benchPipeline(b *testing.B, rows int) {
	spec, err := merge.ParseSpec(bytes.NewReader([]byte(benchTemplate)), "bench.tpl")
	if err != nil {
		b.Fatal(err)
	}
	root := b.TempDir()
	// The recipients are read from a file, as the CLI does, so that the
	// peak heap is the pipeline's and not the test data's.
	data := filepath.Join(root, "recipients.csv")
	if err := os.WriteFile(data, benchCSV(rows), 0o600); err != nil {
		b.Fatal(err)
	}
	open := func() (*csvSource, []string, func()) {
		f, err := os.Open(data)
		if err != nil {
			b.Fatal(err)
		}
		src, cols, err := readCSVSource(bufio.NewReader(f))
		if err != nil {
			b.Fatal(err)
		}
		return src, cols, func() { f.Close() }
	}
	var peak float64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		dir := outbox.Dir{Path: filepath.Join(root, fmt.Sprint(i)), Batch: true}
		stop := heapPeak()
		b.StartTimer()
		src, cols, done := open()
		m, err := merge.NewMerger(spec, merge.NewHeader(cols), merge.Options{CampaignID: "bench", Footer: &merge.Footer{Text: "Sent with SecureMerge", HTML: "<p>Sent with SecureMerge</p>"}})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := merge.Validate(context.Background(), m, src)
		if err != nil || rep.HasErrors() || rep.Messages != rows {
			b.Fatalf("Validate = %d messages, errors %v, %v", rep.Messages, rep.HasErrors(), err)
		}
		done()
		src, _, done = open()
		sum, err := dir.NewSummary()
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		err = (&merge.Engine{}).Run(context.Background(), m, src, func(r merge.Result) error {
			if r.Err != nil {
				return r.Err
			}
			p, w, err := dir.Write(r.Msg)
			if err != nil {
				return err
			}
			if !w {
				return fmt.Errorf("row %d: %s was already in the outbox", r.Line, p)
			}
			if n++; n%syncEvery == 0 {
				if err := dir.Sync(); err != nil {
					return err
				}
			}
			return sum.Add(outbox.RowOf(r, p, w))
		})
		done()
		if err == nil {
			err = dir.Sync()
		}
		if err == nil {
			err = sum.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		peak = max(peak, stop())
		if n != rows {
			b.Fatalf("wrote %d messages; want %d", n, rows)
		}
		if got := countEML(b, dir.Path); got != rows {
			b.Fatalf("%d .eml files in the outbox; want %d", got, rows)
		}
		os.RemoveAll(dir.Path)
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(peak, "peak-MB")
}

// countEML counts the messages in an outbox folder.
func countEML(b *testing.B, dir string) int {
	b.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		b.Fatal(err)
	}
	return len(names)
}

// BenchmarkPipeline5k measures CSV -> Validate -> Engine -> .eml files on
// disk for 5,000 rows.
func BenchmarkPipeline5k(b *testing.B) { benchPipeline(b, 5000) }

// BenchmarkPipeline100k is the same for 100,000 rows; peak heap must stay
// close to the 5k figure (streaming).
func BenchmarkPipeline100k(b *testing.B) { benchPipeline(b, 100000) }

// BenchmarkPipelineNoDisk5k is BenchmarkPipeline5k with the .eml bytes
// written to io.Discard: what the engine costs without the per-file fsync
// that dominates the outbox on slow disks.
func BenchmarkPipelineNoDisk5k(b *testing.B) {
	data := benchCSV(5000)
	spec, _ := merge.ParseSpec(bytes.NewReader([]byte(benchTemplate)), "bench.tpl")
	start := time.Now()
	for b.Loop() {
		src, cols, _ := newCSVSource(data)
		m, err := merge.NewMerger(spec, merge.NewHeader(cols), merge.Options{CampaignID: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := merge.Validate(context.Background(), m, src); err != nil {
			b.Fatal(err)
		}
		src, _, _ = newCSVSource(data)
		err = (&merge.Engine{}).Run(context.Background(), m, src, func(r merge.Result) error {
			return r.Msg.WriteEML(io.Discard)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(5000*b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkWriteEML measures serializing one rendered message.
func BenchmarkWriteEML(b *testing.B) {
	data := benchCSV(1)
	spec, _ := merge.ParseSpec(bytes.NewReader([]byte(benchTemplate)), "bench.tpl")
	src, cols, _ := newCSVSource(data)
	m, err := merge.NewMerger(spec, merge.NewHeader(cols), merge.Options{})
	if err != nil {
		b.Fatal(err)
	}
	row, _ := src.Next()
	msg, err := m.Render(0, 2, row)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := msg.WriteEML(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderMessage measures rendering one row into a Message.
func BenchmarkRenderMessage(b *testing.B) {
	data := benchCSV(1)
	spec, _ := merge.ParseSpec(bytes.NewReader([]byte(benchTemplate)), "bench.tpl")
	src, cols, _ := newCSVSource(data)
	m, err := merge.NewMerger(spec, merge.NewHeader(cols), merge.Options{})
	if err != nil {
		b.Fatal(err)
	}
	row, _ := src.Next()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Render(0, 2, row); err != nil {
			b.Fatal(err)
		}
	}
}
