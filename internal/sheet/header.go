package sheet

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// cleanHeader turns the raw header cells found on line into column names:
// trimmed, white space collapsed, NFC-normalized, empty names replaced by
// "Column C" and duplicates (compared case-insensitively) numbered
// "Email (2)". Trailing empty cells do not make columns. Each rename is
// reported as a Warning.
func cleanHeader(cells []string, line int) ([]string, []Warning) {
	n := len(cells)
	for n > 0 && strings.TrimSpace(cells[n-1]) == "" {
		n--
	}
	names := make([]string, n)
	var ws []Warning
	for i := 0; i < n; i++ {
		names[i] = norm.NFC.String(strings.Join(strings.Fields(cells[i]), " "))
	}
	// Reserve the names the user wrote so that generated ones avoid them.
	taken := make(map[string]bool, n)
	next := map[string]int{}
	for _, name := range names {
		if name != "" {
			taken[strings.ToLower(name)] = false
		}
	}
	for i, name := range names {
		col := i + 1
		if name == "" {
			gen := unique("Column "+ColumnName(col), taken, next)
			names[i] = gen
			ws = append(ws, Warning{Row: line, Column: col, Message: fmt.Sprintf("empty header named %q", gen),
				Code: "empty-header", Args: map[string]string{"name": gen}})
			continue
		}
		key := strings.ToLower(name)
		if !taken[key] {
			taken[key] = true
			continue
		}
		gen := unique(name, taken, next)
		names[i] = gen
		ws = append(ws, Warning{Row: line, Column: col, Message: fmt.Sprintf("duplicate header %q renamed %q", name, gen),
			Code: "duplicate-header", Args: map[string]string{"header": name, "name": gen}})
	}
	return names, ws
}

// unique returns base, or "base (2)", "base (3)"... whichever neither a
// user-written header nor an earlier generated name uses, and takes it.
// next remembers where the search for each base stopped, so that 16,384
// identical headers cost linear time.
func unique(base string, taken map[string]bool, next map[string]int) string {
	name := base
	k := max(next[strings.ToLower(base)], 2)
	if k > 2 {
		name = fmt.Sprintf("%s (%d)", base, k)
	}
	for {
		key := strings.ToLower(name)
		if _, used := taken[key]; !used {
			taken[key] = true
			next[strings.ToLower(base)] = k
			return name
		}
		name = fmt.Sprintf("%s (%d)", base, k)
		k++
	}
}
