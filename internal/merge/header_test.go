package merge

import "testing"

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"FirstName", "firstname"},
		{"  First   Name ", "first name"},
		{"First\tName\n", "first name"},
		{"First\u00a0Name", "first name"},    // no-break space
		{"N\u00b0\u202fclient", "n° client"}, // narrow no-break space, as French typography has
		{"Pre\u0301nom", "prénom"},           // decomposed é -> NFC
		{"PRÉNOM", "prénom"},
		{"", ""},
		{"   ", ""},
		{"E-mail", "e-mail"},
	}
	for _, tc := range tests {
		if got := NormalizeName(tc.in); got != tc.want {
			t.Errorf("NormalizeName(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestHeaderLookup(t *testing.T) {
	h := NewHeader([]string{"First Name", "E-mail", "Prénom", "N° client", "first name", "Email"})
	tests := []struct {
		name   string
		want   int
		wantOK bool
	}{
		{"First Name", 0, true},
		{"first   NAME", 0, true}, // duplicate normalized name: the first column wins
		{" first name ", 0, true},
		{"e-mail", 1, true},
		{"email", 5, true},
		{"Pre\u0301nom", 2, true},
		{"PRÉNOM", 2, true},
		{"n° CLIENT", 3, true},
		{"FirstName", 0, false}, // lookup is exact after normalization
		{"Prenom", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := h.Lookup(tc.name)
		if ok != tc.wantOK || ok && got != tc.want {
			t.Errorf("Lookup(%q) = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestHeaderColumnsIsACopy(t *testing.T) {
	cols := []string{"A", "B"}
	h := NewHeader(cols)
	cols[0] = "changed"
	got := h.Columns()
	if got[0] != "A" {
		t.Errorf("Columns()[0] = %q after changing NewHeader's slice; want %q", got[0], "A")
	}
	got[1] = "changed"
	if h.Columns()[1] != "B" {
		t.Errorf("Columns() returned the header's own slice")
	}
}

func TestHeaderSuggest(t *testing.T) {
	h := NewHeader([]string{"First Name", "Last Name", "E-mail", "Prénom", "N° client", "Company", "Date RDV", "Ville", "Nom"})
	tests := []struct {
		name, want string
	}{
		{"Frist Name", "First Name"}, // transposition
		{"FirstName", "First Name"},  // missing space
		{"first_name", "First Name"}, // punctuation
		{"email", "E-mail"},
		{"EMAIL", "E-mail"},
		{"mail", "E-mail"},
		{"prenom", "Prénom"}, // accents
		{"Prenon", "Prénom"},
		{"no client", "N° client"},
		{"Compagny", "Company"},
		{"DateRDV", "Date RDV"},
		{"date rdv", "Date RDV"}, // exact normalized match
		{"Vile", "Ville"},
		{"Non", "Nom"},
		{"Lastname", "Last Name"},
		{"Zzzz", ""},
		{"Adresse postale", ""},
		{"", ""},
		{"---", ""},
		{"x", ""},
	}
	for _, tc := range tests {
		if got := h.Suggest(tc.name); got != tc.want {
			t.Errorf("Suggest(%q) = %q; want %q", tc.name, got, tc.want)
		}
	}
	if got := NewHeader(nil).Suggest("x"); got != "" {
		t.Errorf("empty Header: Suggest(%q) = %q; want \"\"", "x", got)
	}
}

func TestNameDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"frist", "first", 1},
		{"kitten", "sitting", 3},
		{"prénom", "prenom", 1},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau
	}
	for _, tc := range tests {
		if got := nameDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("nameDistance(%q, %q) = %d; want %d", tc.a, tc.b, got, tc.want)
		}
		if got := nameDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("nameDistance(%q, %q) = %d; want %d", tc.b, tc.a, got, tc.want)
		}
	}
}

func BenchmarkHeaderLookup(b *testing.B) {
	h := NewHeader([]string{"First Name", "E-mail", "Prénom", "N° client", "Company"})
	for b.Loop() {
		h.Lookup("  n° CLIENT ")
	}
}
