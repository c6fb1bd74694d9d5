package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

// TestCampaignBouncesMarksListsAndSuppresses is issue 18's "done when": a
// recipient whose address bounced shows as bounced with its reason, in the
// results and the export, and is suppressed in one action.
func TestCampaignBouncesMarksListsAndSuppresses(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}})
	defer srv.Close()
	srv.BounceTo("zoe.2@example.fr", graphtest.NDR{Status: "5.1.1"})
	f := newFixture(t, 3, "")
	f.env["SECUREMERGE_GRAPH_URL"] = srv.URL
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	if code, out, errs := f.run(t, "send", "--data", f.data, "--template", f.tpl, "--live", "--yes", "--campaign", "noel"); code != exitOK {
		t.Fatalf("send --live = %d:\n%s%s", code, out, errs)
	}
	// The report came back while sending: the run marked the row itself.
	code, out, _ := f.run(t, "campaign", "results", "noel", "--csv", "-")
	if code != exitOK || !strings.Contains(out, "3,zoe.2@example.fr,bounced,") {
		t.Errorf("right after send --live, campaign results = %d, lacks the bounced row:\n%s", code, out)
	}
	if _, err := srv.DeliverNDR("", graphtest.Report{Recipient: "someone@example.org", OriginalMessageID: "<abc@mail.example.net>"}); err != nil {
		t.Fatal(err)
	}

	code, out, errs := f.run(t, "campaign", "bounces", "noel")
	if code != exitOK {
		t.Fatalf("campaign bounces = %d:\n%s%s", code, out, errs)
	}
	for _, want := range []string{"row 3  zoe.2@example.fr  5.1.1  RESOLVER.ADR.RecipNotFound; not found\n", "1 of 3 rows bounced (0 newly marked); 2 non-delivery reports read, 1 about other messages", "--suppress"} {
		if !strings.Contains(out, want) {
			t.Errorf("campaign bounces output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = f.run(t, "campaign", "results", "noel", "--csv", "-")
	if code != exitOK || !strings.Contains(out, "3,zoe.2@example.fr,bounced,bounced: zoe.2@example.fr (5.1.1): RESOLVER.ADR.RecipNotFound; not found,") {
		t.Errorf("campaign results = %d, lacks the bounced row with its reason:\n%s", code, out)
	}
	code, out, _ = f.run(t, "campaign", "export", "noel")
	var exp struct {
		Counts  struct{ Sent, Bounced int }
		Journal []struct{ To, State, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &exp); code != exitOK || err != nil {
		t.Fatalf("campaign export = %d, %v:\n%s", code, err, out)
	}
	if exp.Counts.Sent != 2 || exp.Counts.Bounced != 1 || exp.Journal[1].State != "bounced" || !strings.Contains(exp.Journal[1].Reason, "5.1.1") {
		t.Errorf("export: counts %+v, row 2 %+v; want 2 sent, 1 bounced with its reason", exp.Counts, exp.Journal[1])
	}

	// Again, with --suppress and --json: nothing new, one address suppressed.
	code, out, errs = f.run(t, "campaign", "bounces", "noel", "--suppress", "--json")
	var got bouncesJSON
	if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil {
		t.Fatalf("campaign bounces --suppress --json = %d, %v:\n%s%s", code, err, out, errs)
	}
	if len(got.Rows) != 1 || got.Rows[0].New || got.Rows[0].Row != 3 || len(got.Suppressed) != 1 || got.Suppressed[0] != "zoe.2@example.fr" {
		t.Errorf("second read = %+v; want row 3 (spreadsheet line) not new, zoe.2 suppressed", got)
	}
	code, out, _ = f.run(t, "suppress", "list")
	if code != exitOK || !strings.Contains(out, "zoe.2@example.fr") || !strings.Contains(out, "bounced (5.1.1)") {
		t.Errorf("suppress list = %d, lacks the bounced address and its campaign:\n%s", code, out)
	}
}

func TestCampaignBouncesOfAnOutboxCampaignSaysWhy(t *testing.T) {
	f := newFixture(t, 2, "")
	if code, out, errs := f.run(t, "send", "--data", f.data, "--template", f.tpl, "--outbox", t.TempDir(), "--campaign", "box"); code != exitOK {
		t.Fatalf("send --outbox = %d:\n%s%s", code, out, errs)
	}
	code, _, errs := f.run(t, "campaign", "bounces", "box")
	if code != exitProblems || !strings.Contains(errs, "sent in outbox mode") || !strings.Contains(errs, "--live") {
		t.Errorf("campaign bounces of an outbox campaign = %d, %q; want exit %d saying it was sent to the outbox and bounces need --live", code, errs, exitProblems)
	}
}
