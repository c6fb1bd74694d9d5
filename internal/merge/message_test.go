package merge

import (
	"net/mail"
	"testing"
)

func TestFileName(t *testing.T) {
	tests := []struct {
		index int
		to    []mail.Address
		bcc   []mail.Address
		want  string
	}{
		{41, []mail.Address{{Address: "jane.doe@example.com"}}, nil, "00042-jane.doe@example.com.eml"},
		{0, []mail.Address{{Address: `"a/b:c*?"@Example.com`}}, nil, "00001-_a_b_c___@example.com.eml"},
		{99999, []mail.Address{{Address: "zoé@exämple.fr"}}, nil, "100000-zoé@exämple.fr.eml"},
		{4, nil, []mail.Address{{Address: "hidden@example.com"}}, "00005-hidden@example.com.eml"},
		{4, nil, nil, "00005.eml"},
	}
	for _, tt := range tests {
		m := &Message{Index: tt.index, To: tt.to, Bcc: tt.bcc}
		if got := m.FileName(); got != tt.want {
			t.Errorf("FileName(%d, %v) = %q; want %q", tt.index, tt.to, got, tt.want)
		}
	}
}

func TestMessageKey(t *testing.T) {
	to := []mail.Address{{Address: "Jane@Example.com"}}
	k := messageKey("c1", 3, to)
	if len(k) != 32 {
		t.Fatalf("messageKey = %q; want 32 hex characters", k)
	}
	if k2 := messageKey("c1", 3, []mail.Address{{Name: "Jane", Address: "jane@example.com"}}); k2 != k {
		t.Errorf("messageKey differs with case or display name: %q vs %q", k, k2)
	}
	for _, other := range []string{messageKey("c2", 3, to), messageKey("c1", 4, to), messageKey("c1", 3, []mail.Address{{Address: "bob@example.com"}})} {
		if other == k {
			t.Errorf("messageKey collides across campaign, row or recipient: %q", k)
		}
	}
}
