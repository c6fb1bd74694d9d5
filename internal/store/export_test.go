package store_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

type exportDoc struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	Exported  string `json:"exported"`
	Schema    int    `json:"schema"`
	Campaigns []struct {
		campaign.Campaign
		Snapshot *campaign.Snapshot `json:"snapshot"`
		Journal  []campaign.Entry   `json:"journal"`
	} `json:"campaigns"`
	Suppression []store.Suppression `json:"suppression"`
	SentLog     []struct {
		At         time.Time `json:"at"`
		Recipients int       `json:"recipients"`
	} `json:"sent_log"`
	Settings     map[string]string `json:"settings"`
	LicenseToken []byte            `json:"license_token"`
}

func decodeExport(t *testing.T, b []byte) exportDoc {
	t.Helper()
	var doc exportDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("export is not the documented JSON: %v\n%s", err, b)
	}
	return doc
}

func TestExport(t *testing.T) {
	clk := newClock()
	db := storetest.OpenWith(t, store.Options{Now: clk.Now})

	t.Run("empty database", func(t *testing.T) {
		var b bytes.Buffer
		if err := db.Export(&b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"campaigns":[]`, `"suppression":[]`, `"sent_log":[]`, `"settings":{}`, `"license_token":null`} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("empty export lacks %s:\n%s", want, b.String())
			}
		}
	})

	draft := newCampaign(t, db, "Draft <b>&</b>")
	sending := newCampaign(t, db, "Sending")
	startSending(t, db, sending.ID, 2)
	db.Move(sending.ID, 0, campaign.StateSending, campaign.Reason{}, 1, clk.Now())
	db.Move(sending.ID, 0, campaign.StateSent, campaign.Reason{}, 1, clk.Now())
	db.Suppress("unsubscribed", "Ann@Example.com")
	db.SetSetting("language", "fr")
	db.SetLicenseToken([]byte{0, 1, 2, 250})

	var b bytes.Buffer
	if err := db.Export(&b); err != nil {
		t.Fatalf("Export: %v", err)
	}
	doc := decodeExport(t, b.Bytes())
	if doc.Format != "securemerge-export" || doc.Version != 1 || doc.Schema != store.SchemaVersion() || doc.Exported != clk.Now().Format(time.RFC3339) {
		t.Errorf("export header = %q v%d schema %d at %q", doc.Format, doc.Version, doc.Schema, doc.Exported)
	}
	if len(doc.Campaigns) != 2 {
		t.Fatalf("export has %d campaigns; want 2", len(doc.Campaigns))
	}
	byID := map[string]int{}
	for i, c := range doc.Campaigns {
		byID[c.ID] = i
	}
	d := doc.Campaigns[byID[draft.ID]]
	if d.Name != draft.Name || d.Template != draft.Template || d.Snapshot != nil || len(d.Journal) != 0 {
		t.Errorf("exported draft = %+v; want its fields, no snapshot, empty journal", d)
	}
	if !strings.Contains(b.String(), `"Draft <b>&</b>"`) {
		t.Errorf("export escapes HTML in names; want the text as typed")
	}
	s := doc.Campaigns[byID[sending.ID]]
	if s.Snapshot == nil || len(s.Snapshot.Rows) != 2 || len(s.Journal) != 2 || s.Journal[0].State != campaign.StateSent {
		t.Errorf("exported sending campaign = snapshot %+v journal %+v", s.Snapshot, s.Journal)
	}
	if s.Counts.Sent != 1 || s.Counts.Total != 2 {
		t.Errorf("exported counts = %+v; want 1 sent of 2", s.Counts)
	}
	if len(doc.Suppression) != 1 || doc.Suppression[0].Address != "ann@example.com" || doc.Suppression[0].Reason != "unsubscribed" {
		t.Errorf("exported suppression = %+v", doc.Suppression)
	}
	if len(doc.SentLog) != 1 || doc.SentLog[0].Recipients != 1 || !doc.SentLog[0].At.Equal(clk.Now()) {
		t.Errorf("exported sent log = %+v", doc.SentLog)
	}
	if doc.Settings["language"] != "fr" {
		t.Errorf("exported settings = %v", doc.Settings)
	}
	if !bytes.Equal(doc.LicenseToken, []byte{0, 1, 2, 250}) {
		t.Errorf("exported licence token = %v", doc.LicenseToken)
	}
}

func TestSettingsAndLicense(t *testing.T) {
	db := storetest.Open(t)
	if v, ok := db.Setting("from"); ok || v != "" {
		t.Errorf("Setting(unset) = %q, %v; want \"\", false", v, ok)
	}
	db.SetSetting("from", "me@example.com")
	db.SetSetting("daily_limit", "5000")
	if v, ok := db.Setting("from"); !ok || v != "me@example.com" {
		t.Errorf("Setting(from) = %q, %v", v, ok)
	}
	db.SetSetting("daily_limit", "")
	all, err := db.Settings()
	if err != nil || len(all) != 1 || all["from"] != "me@example.com" {
		t.Errorf("Settings() = %v, %v; want only from (an empty value removes)", all, err)
	}
	if err := db.SetSetting("", "x"); err == nil {
		t.Errorf("SetSetting with an empty key succeeded")
	}

	if tok, err := db.LicenseToken(); tok != nil || err != nil {
		t.Errorf("LicenseToken() before any = %q, %v; want nil", tok, err)
	}
	db.SetLicenseToken([]byte("signed.token"))
	if tok, _ := db.LicenseToken(); string(tok) != "signed.token" {
		t.Errorf("LicenseToken() = %q", tok)
	}
	db.SetLicenseToken(nil)
	if tok, _ := db.LicenseToken(); tok != nil {
		t.Errorf("LicenseToken() after clearing = %q; want nil", tok)
	}
}
