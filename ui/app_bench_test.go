package ui

import (
	"fmt"
	"testing"

	"github.com/securemerge/securemerge/internal/sheet/sheettest"
)

// bench100k is a 100,000-row workbook of recipients.
func bench100k(b *testing.B) string {
	return sheettest.XLSX(b, "recipients100k-v1.xlsx", []any{"Email", "Prénom", "Nom", "Société", "Ville"}, 100_000, func(i int) []any {
		return []any{fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("Zoé %d", i), fmt.Sprintf("Martin %d", i), fmt.Sprintf("Société %d", i%500), "Lyon"}
	})
}

// BenchmarkOpenXLSX100kFirstRows is "Open spreadsheet" on a 100,000-row
// workbook until the Data step shows its first rows (issue 13 target:
// < 300 ms): the campaign is created, the file opened, the first 100 rows
// read and the step drawn. Background work is queued and run one job at a
// time, in order, until the rows show; what the window starts after that
// (reading the rest, validating every row) is left queued, as it would run
// behind the first frame.
func BenchmarkOpenXLSX100kFirstRows(b *testing.B) {
	path := bench100k(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A new app each time: the Service keeps a file it read.
		b.StopTimer()
		u := newTestApp(b)
		var queue []func()
		u.work.spawn = func(f func()) { queue = append(queue, f) }
		b.StartTimer()
		u.openFile(path, "")
		for len(queue) > 0 && (u.open == nil || u.open.vm.table == nil) {
			f := queue[0]
			queue = queue[1:]
			f()
		}
		b.StopTimer()
		if u.open == nil || u.open.vm.table == nil || len(u.open.vm.table.Rows(0, 100)) < 100 {
			b.Fatal("the Data step does not show the first rows")
		}
		u.leaveCampaign()
		u.svc.Close() // stops reading the rest, so runs do not overlap
		b.StartTimer()
	}
}
