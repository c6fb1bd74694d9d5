package quietinit

import "testing"

func TestCLocale(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"LANG": "C.UTF-8"}, true},
		{map[string]string{"LANG": "POSIX"}, true},
		{map[string]string{"LANG": "fr_FR.UTF-8"}, false},
		{map[string]string{"LC_ALL": "en_US.UTF-8", "LANG": "C.UTF-8"}, false}, // LC_ALL wins, as in go-locale
		{map[string]string{"LANGUAGE": "C", "LANG": "fr_FR.UTF-8"}, true},
		{map[string]string{}, false},
	} {
		if got := cLocale(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("cLocale(%v) = %v; want %v", tc.env, got, tc.want)
		}
	}
}
