package store_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

func TestSuppress(t *testing.T) {
	clk := newClock()
	db := storetest.OpenWith(t, store.Options{Now: clk.Now})
	if err := db.Suppress("bounced", "Ann@Example.COM", "Bob <bob@example.org>"); err != nil {
		t.Fatalf("Suppress: %v", err)
	}
	tests := []struct {
		addr, wantReason string
		wantOK           bool
	}{
		{"ann@example.com", "bounced", true},
		{"  ANN@example.com ", "bounced", true},
		{"bob@EXAMPLE.org", "bounced", true},
		{"Robert <Bob@example.org>", "bounced", true},
		{"carol@example.com", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			reason, ok := db.Suppressed(tt.addr)
			if reason != tt.wantReason || ok != tt.wantOK {
				t.Errorf("Suppressed(%q) = %q, %v; want %q, %v", tt.addr, reason, ok, tt.wantReason, tt.wantOK)
			}
		})
	}

	t.Run("invalid address refuses the call", func(t *testing.T) {
		err := db.Suppress("x", "carol@example.com", "not an address")
		if !errors.Is(err, store.ErrInvalidAddress) {
			t.Errorf("Suppress(invalid) = %v; want ErrInvalidAddress", err)
		}
		if _, ok := db.Suppressed("carol@example.com"); ok {
			t.Errorf("a refused Suppress call stored carol")
		}
	})
	t.Run("new reason keeps the date", func(t *testing.T) {
		added := clk.Now()
		clk.Advance(time.Hour)
		db.Suppress("unsubscribed", "ann@example.com")
		list, _ := db.Suppressions()
		want := []store.Suppression{
			{Address: "ann@example.com", Reason: "unsubscribed", Added: added},
			{Address: "bob@example.org", Reason: "bounced", Added: added},
		}
		if !reflect.DeepEqual(list, want) {
			t.Errorf("Suppressions() = %+v; want %+v", list, want)
		}
	})
	t.Run("unsuppress", func(t *testing.T) {
		if err := db.Unsuppress("ANN@example.com", "nobody@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, ok := db.Suppressed("ann@example.com"); ok {
			t.Errorf("ann still suppressed after Unsuppress")
		}
		if _, ok := db.Suppressed("bob@example.org"); !ok {
			t.Errorf("Unsuppress(ann) removed bob")
		}
	})
}

func TestImportSuppressions(t *testing.T) {
	tests := []struct {
		name      string
		csv       string
		want      map[string]string // address -> reason
		wantLines []int             // lines reported invalid
	}{
		{"email header", "Name,Email\nAnn,ann@example.com\nBob,BOB@example.com\n", map[string]string{"ann@example.com": "imported", "bob@example.com": "imported"}, nil},
		{"e-mail and reason columns", "reason;E-mail\nbounced;ann@example.com\n;bob@example.com\n", map[string]string{"ann@example.com": "bounced", "bob@example.com": "imported"}, nil},
		{"address header", "address\r\nann@example.com\r\n", map[string]string{"ann@example.com": "imported"}, nil},
		{"no header", "ann@example.com\nbob@example.com,extra\n", map[string]string{"ann@example.com": "imported", "bob@example.com": "imported"}, nil},
		{"unknown header uses first column", "Who,Note\nann@example.com,x\n", map[string]string{"ann@example.com": "imported"}, nil},
		{"BOM", "\uFEFFemail\nann@example.com\n", map[string]string{"ann@example.com": "imported"}, nil},
		{"invalid lines reported", "email\nann@example.com\nnot-an-address\n\nbob@\ncarol@example.com\n", map[string]string{"ann@example.com": "imported", "carol@example.com": "imported"}, []int{3, 5}},
		{"quoted display names", "email\n\"Ann Lee <ann@example.com>\"\n", map[string]string{"ann@example.com": "imported"}, nil},
		{"empty file", "", map[string]string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Open(t)
			n, err := db.ImportSuppressions(strings.NewReader(tt.csv), "imported")
			if n != len(tt.want) {
				t.Errorf("ImportSuppressions(%q) = %d; want %d", tt.csv, n, len(tt.want))
			}
			var ie *store.ImportError
			if tt.wantLines == nil {
				if err != nil {
					t.Errorf("ImportSuppressions(%q): %v", tt.csv, err)
				}
			} else if !errors.As(err, &ie) {
				t.Errorf("ImportSuppressions(%q) = %v; want *ImportError", tt.csv, err)
			} else {
				var lines []int
				for _, l := range ie.Lines {
					lines = append(lines, l.Line)
				}
				if !reflect.DeepEqual(lines, tt.wantLines) {
					t.Errorf("ImportSuppressions(%q) reported lines %v; want %v", tt.csv, lines, tt.wantLines)
				}
				if !errors.Is(err, store.ErrInvalidAddress) || !strings.Contains(err.Error(), "line 3") {
					t.Errorf("import error %q does not locate the bad lines", err)
				}
			}
			list, _ := db.Suppressions()
			got := map[string]string{}
			for _, s := range list {
				got[s.Address] = s.Reason
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("after import %q the list is %v; want %v", tt.csv, got, tt.want)
			}
		})
	}
	t.Run("malformed CSV imports nothing", func(t *testing.T) {
		db := storetest.Open(t)
		n, err := db.ImportSuppressions(strings.NewReader("email\nann@example.com\n\"bob@example.com\"x\"\n"), "r")
		if err == nil || n != 0 {
			t.Errorf("ImportSuppressions(malformed) = %d, %v; want 0 and an error", n, err)
		}
		if list, _ := db.Suppressions(); len(list) != 0 {
			t.Errorf("malformed import stored %v", list)
		}
	})
}

func TestExportSuppressions(t *testing.T) {
	clk := newClock()
	db := storetest.OpenWith(t, store.Options{Now: clk.Now})
	db.Suppress(`=HYPERLINK("http://x")`, "ann@example.com")
	db.Suppress("bounced", "bob@example.com")
	var b bytes.Buffer
	if err := db.ExportSuppressions(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	added := clk.Now().Format(time.RFC3339)
	want := [][]string{
		{"address", "reason", "added"},
		{"ann@example.com", `'=HYPERLINK("http://x")`, added},
		{"bob@example.com", "bounced", added},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("ExportSuppressions = %q; want %q", recs, want)
	}

	// What is exported imports back.
	other := storetest.Open(t)
	var again bytes.Buffer
	db.ExportSuppressions(&again)
	if n, err := other.ImportSuppressions(&again, "x"); n != 2 || err != nil {
		t.Errorf("re-import of an export = %d, %v; want 2", n, err)
	}
	if r, _ := other.Suppressed("bob@example.com"); r != "bounced" {
		t.Errorf("re-imported reason = %q; want bounced", r)
	}
}

func FuzzImportSuppressions(f *testing.F) {
	for _, s := range []string{
		"email\nann@example.com\n", "\uFEFFreason;e-mail\nx;a@b.co\n", "a@b.co,\"q\"\"\n", "\"", "email\n\n\n,",
	} {
		f.Add(s)
	}
	db := storetest.Open(f)
	f.Fuzz(func(t *testing.T, s string) {
		n, err := db.ImportSuppressions(strings.NewReader(s), "fuzz")
		if n < 0 {
			t.Fatalf("ImportSuppressions(%q) = %d", s, n)
		}
		var ie *store.ImportError
		if errors.As(err, &ie) && len(ie.Lines) == 0 {
			t.Fatalf("ImportSuppressions(%q): an ImportError with no lines", s)
		}
	})
}

func TestSuppressEverySpelling(t *testing.T) {
	for _, entry := range []string{"bob@xn--bcher-kva.example", "Bob@Bücher.EXAMPLE", "bob@bu\u0308cher.example", "bob@ｂüｃｈｅｒ．example"} {
		t.Run(entry, func(t *testing.T) {
			db := storetest.Open(t)
			if err := db.Suppress("unsubscribed", entry); err != nil {
				t.Fatalf("Suppress(%q): %v", entry, err)
			}
			for _, spelling := range []string{entry, "bob@xn--bcher-kva.example", "BOB@XN--BCHER-KVA.example", "bob@bücher.example", "Bob <bob@BÜCHER.example>", "bob@ｂüｃｈｅｒ．ｅｘａｍｐｌｅ"} {
				if _, ok := db.Suppressed(spelling); !ok {
					t.Errorf("after Suppress(%q), Suppressed(%q) = false; want true", entry, spelling)
				}
			}
			if err := db.Unsuppress("bob@bücher.example"); err != nil {
				t.Fatal(err)
			}
			if _, ok := db.Suppressed(entry); ok {
				t.Errorf("Unsuppress of another spelling left %q suppressed", entry)
			}
		})
	}
}

// A file written when entries were keyed by their lower-cased spelling
// still suppresses every spelling once opened.
func TestSuppressionOlderSpellingsStillMatch(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("suppression"))
		b.Put([]byte("bob@bücher.example"), []byte(`{"reason":"bounced","added":"2024-01-02T03:04:05Z"}`))
		return b.Put([]byte("zoe\u0301@x.org"), []byte(`{"reason":"asked","added":"2024-01-02T03:04:05Z"}`))
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for addr, reason := range map[string]string{"bob@xn--bcher-kva.example": "bounced", "bob@bücher.example": "bounced", "zo\u00e9@x.org": "asked"} {
		if r, ok := db.Suppressed(addr); !ok || r != reason {
			t.Errorf("Suppressed(%q) = %q, %v; want %q, true", addr, r, ok, reason)
		}
	}
	list, _ := db.Suppressions()
	if len(list) != 2 || list[0].Address != "bob@xn--bcher-kva.example" || list[1].Address != "zo\u00e9@x.org" {
		t.Errorf("Suppressions() = %+v; want the two entries under their canonical spelling", list)
	}
}
