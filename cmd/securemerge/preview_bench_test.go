package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/sheet/sheettest"
)

// previewBenchFile is a 100,000-row workbook, as Excel writes one.
func previewBenchFile(b *testing.B) string {
	return sheettest.XLSX(b, "preview100k-v1.xlsx", []any{"Email", "First Name", "Company", "City"}, 100_000, func(i int) []any {
		return []any{fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("Zoé %d", i), fmt.Sprintf("Société %d", i%500), "Lyon"}
	})
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
