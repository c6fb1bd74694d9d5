package merge

import (
	"errors"
	"testing"
)

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		in   string
		want []string // "Name|address"
	}{
		{"jane@example.com", []string{"|jane@example.com"}},
		{"Jane Doe <jane@example.com>", []string{"Jane Doe|jane@example.com"}},
		{`"Doe, Jane" <jane@example.com>, bob@example.org`, []string{"Doe, Jane|jane@example.com", "|bob@example.org"}},
		{"a@example.com; b@example.com ;; ", []string{"|a@example.com", "|b@example.com"}},
		{"Zoé <zoe@exämple.fr>", []string{"Zoé|zoe@exämple.fr"}},
		{"x@XN--EXMPLE-CUA.FR", []string{"|x@exämple.fr"}},
		{"  ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAddressList(tt.in)
			if err != nil {
				t.Fatalf("ParseAddressList(%q) error: %v", tt.in, err)
			}
			var flat []string
			for _, a := range got {
				flat = append(flat, a.Name+"|"+a.Address)
			}
			if len(flat) != len(tt.want) {
				t.Fatalf("ParseAddressList(%q) = %q; want %q", tt.in, flat, tt.want)
			}
			for i := range flat {
				if flat[i] != tt.want[i] {
					t.Errorf("ParseAddressList(%q)[%d] = %q; want %q", tt.in, i, flat[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseAddressListInvalid(t *testing.T) {
	for _, in := range []string{
		"bob@@x.com",
		"bob",
		"bob@localhost", // no dot in the domain
		"bob@exa_mple.com",
		"bob@-example.com",
		"bob@[192.168.0.1]",
		"a@example.com, bob@",
		"Jane <jane@example.com",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := ParseAddressList(in)
			if !errors.Is(err, ErrInvalidAddress) {
				t.Errorf("ParseAddressList(%q) = %v, %v; want ErrInvalidAddress", in, got, err)
			}
		})
	}
}

func TestCanonicalAddress(t *testing.T) {
	const want = "bob@xn--bcher-kva.example"
	for _, in := range []string{
		"bob@xn--bcher-kva.example",
		"BOB@XN--BCHER-KVA.EXAMPLE",
		"bob@bücher.example",
		"bob@bu\u0308cher.example", // NFD
		"Bob <bob@BÜCHER.example>",
		"bob@ｂüｃｈｅｒ．ｅｘａｍｐｌｅ", // full-width
	} {
		got, err := CanonicalAddress(in)
		if err != nil || got != want {
			t.Errorf("CanonicalAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if a, b := mustCanon(t, "zo\u00e9@x.org"), mustCanon(t, "zoe\u0301@x.org"); a != b {
		t.Errorf("CanonicalAddress of NFC and NFD local parts = %q, %q; want equal", a, b)
	}
	if _, err := CanonicalAddress("bob@"); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("CanonicalAddress(bob@) = %v; want ErrInvalidAddress", err)
	}
}

func mustCanon(t *testing.T, s string) string {
	t.Helper()
	c, err := CanonicalAddress(s)
	if err != nil {
		t.Fatalf("CanonicalAddress(%q): %v", s, err)
	}
	return c
}
