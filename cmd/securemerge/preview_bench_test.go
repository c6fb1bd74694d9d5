package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/securemerge/securemerge/internal/campaign"
)

// previewBenchFile writes (once per run) a 100,000-row .xlsx as Excel
// would: inline strings through excelize's stream writer.
func previewBenchFile(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "securemerge-preview-bench")
	path := filepath.Join(dir, "preview100k-v1.xlsx")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"Email", "First Name", "Company", "City"}); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= 100_000; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, []any{fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("Zoé %d", i), fmt.Sprintf("Société %d", i%500), "Lyon"}); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	tmp := path + ".tmp.xlsx"
	if err := f.SaveAs(tmp); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkPreviewRow99999 is the Preview step's "any recipient" on a
// 100,000-row workbook after it was first opened (the Data step read it):
// rendering row 99,999 must not read the file again (target < 50 ms).
func BenchmarkPreviewRow99999(b *testing.B) {
	data := previewBenchFile(b)
	m := &Main{}
	svc := m.service(nil, b.TempDir(), "en-US")
	defer svc.Close()
	c := &campaign.Campaign{Name: "bench", Template: "From: Ada <ada@contoso.test>\nTo: {{ First Name }} <{{ Email }}>\nSubject: Hello {{ First Name }}\n\nDear {{ First Name }} of {{ Company }}, see you in {{ City }}.\n",
		Data: campaign.DataSource{Path: data}}
	ctx := context.Background()
	if _, err := svc.Preview(ctx, c, campaign.RowRef{Index: 99_999}); err != nil { // the first open reads the file
		b.Fatal(err)
	}
	for b.Loop() {
		msg, err := svc.Preview(ctx, c, campaign.RowRef{Index: 99_999})
		if err != nil || msg.To[0].Address != "user100000@example.com" {
			b.Fatal(msg, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "preview-ms")
}
