package merge

import "testing"

// TestProblemsCarryTheirArguments: a front end writes a problem in its own
// language from Code and Args, never by taking Msg apart.
func TestProblemsCarryTheirArguments(t *testing.T) {
	m := newMerger(t, Spec{From: "a@example.com", To: "{{ Email }}", Subject: "Hi {{ Name }}", Body: "x"}, []string{"Email", "Name"}, Options{})
	rep := validate(t, m, []string{"ann@example.com", ""}, []string{"ann@example.com", "Ann"})
	if p := problem(t, rep, 2, CodeEmptyValue); p.Args["column"] != "Name" {
		t.Errorf("empty value Args = %v; want column Name", p.Args)
	}
	if p := problem(t, rep, 3, CodeDuplicate); p.Args["row"] != "2" {
		t.Errorf("duplicate Args = %v; want row 2", p.Args)
	}
}
