package graphtest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

const preferImmutableHeader = `IdType="ImmutableId"`

// TestSentItemsLag checks what a client sees while an accepted message is
// on its way to Sent Items: nothing, anywhere, until the lag has passed.
func TestSentItemsLag(t *testing.T) {
	clock := newClock()
	s := newTestServer(t, Options{Now: clock.Now, SentItemsLag: 5 * time.Second})
	imm := map[string]string{"Prefer": preferImmutableHeader}

	r := mustCall(t, s, "POST", "/me/messages", mustJSON(t, graphMessage("k1", "bob@example.com")), imm)
	if r.status != http.StatusCreated || r.header.Get("Preference-Applied") != preferImmutableHeader {
		t.Fatalf("create with Prefer ImmutableId = %d, Preference-Applied %q; want 201 and the preference applied", r.status, r.header.Get("Preference-Applied"))
	}
	var draft map[string]any
	if err := json.Unmarshal(r.body, &draft); err != nil {
		t.Fatal(err)
	}
	id := draft["id"].(string)
	if r := mustCall(t, s, "POST", "/me/messages/"+id+"/send", nil, imm); r.status != http.StatusAccepted {
		t.Fatalf("send = %d %s; want 202", r.status, r.body)
	}
	if n := len(s.Delivered()); n != 1 {
		t.Fatalf("Delivered() = %d at acceptance; want 1: delivery does not wait for Sent Items", n)
	}
	nowhere := func(when string) {
		t.Helper()
		for _, path := range []string{"/me/mailFolders/drafts/messages?" + keyFilter("k1"), "/me/mailFolders/sentitems/messages?" + keyFilter("k1"), "/me/messages?" + keyFilter("k1")} {
			if v := listValue(t, mustCall(t, s, "GET", path, nil, imm)); len(v) != 0 {
				t.Errorf("%s: GET %s = %v; want nothing while in transit", when, path, v)
			}
		}
		if r := mustCall(t, s, "GET", "/me/messages/"+id, nil, imm); r.status != http.StatusNotFound {
			t.Errorf("%s: GET by immutable id = %d; want 404 while in transit", when, r.status)
		}
		if r := mustCall(t, s, "POST", "/me/messages/"+id+"/send", nil, imm); r.status != http.StatusNotFound {
			t.Errorf("%s: sending again = %d; want 404", when, r.status)
		}
	}
	nowhere("at once")
	clock.Advance(4 * time.Second)
	nowhere("after 4 s")
	clock.Advance(time.Second)
	r = mustCall(t, s, "GET", "/me/messages/"+id+"?$select=id,isDraft,parentFolderId", nil, imm)
	var got map[string]any
	_ = json.Unmarshal(r.body, &got)
	if r.status != http.StatusOK || got["id"] != id || got["isDraft"] != false || got["parentFolderId"] != folderID("sentitems") {
		t.Errorf("after the lag GET by immutable id = %d %v; want the same id, not a draft, in sentitems", r.status, got)
	}
	v := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/sentitems/messages?"+keyFilter("k1"), nil, nil))
	if len(v) != 1 || v[0]["id"] == id {
		t.Errorf("sentitems without Prefer = %v; want one message under a regular id, not the immutable one", v)
	}
	if len(s.Delivered()) != 1 {
		t.Errorf("delivered %d; want 1", len(s.Delivered()))
	}
}

func TestSetSentItemsLagSendMail(t *testing.T) {
	clock := newClock()
	s := newTestServer(t, Options{Now: clock.Now})
	s.SetSentItemsLag(time.Minute)
	if r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, "k2", "bob@example.com"), nil); r.status != http.StatusAccepted {
		t.Fatalf("sendMail = %d", r.status)
	}
	if v := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/sentitems/messages?"+keyFilter("k2"), nil, nil)); len(v) != 0 {
		t.Errorf("sentitems during the lag = %v; want nothing", v)
	}
	clock.Advance(time.Minute)
	if v := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/sentitems/messages?"+keyFilter("k2"), nil, nil)); len(v) != 1 {
		t.Errorf("sentitems after the lag = %v; want the message", v)
	}
}

func TestHiddenFolder(t *testing.T) {
	s := newTestServer(t, Options{})
	body := mustJSON(t, map[string]any{"displayName": "SecureMerge", "isHidden": true})
	r := mustCall(t, s, "POST", "/me/mailFolders", body, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("create folder = %d %s", r.status, r.body)
	}
	var f map[string]any
	_ = json.Unmarshal(r.body, &f)
	fid := f["id"].(string)
	if r := mustCall(t, s, "POST", "/me/mailFolders", body, nil); r.status != http.StatusConflict || r.errorCode(t) != "ErrorFolderExists" {
		t.Errorf("same folder again = %d; want 409 ErrorFolderExists", r.status)
	}
	filter := "$filter=displayName%20eq%20'SecureMerge'"
	if v := listValue(t, mustCall(t, s, "GET", "/me/mailFolders?"+filter, nil, nil)); len(v) != 0 {
		t.Errorf("a hidden folder is listed without includeHiddenFolders: %v", v)
	}
	if v := listValue(t, mustCall(t, s, "GET", "/me/mailFolders?includeHiddenFolders=true&"+filter, nil, nil)); len(v) != 1 || v[0]["id"] != fid {
		t.Errorf("includeHiddenFolders = %v; want the folder", v)
	}
	if r := mustCall(t, s, "POST", "/me/mailFolders/"+fid+"/messages", mustJSON(t, graphMessage("m1")), nil); r.status != http.StatusCreated {
		t.Fatalf("create in folder = %d %s", r.status, r.body)
	}
	if v := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/"+fid+"/messages?"+keyFilter("m1"), nil, nil)); len(v) != 1 || v[0]["parentFolderId"] != fid {
		t.Errorf("folder lookup = %v; want the item", v)
	}
	if v := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/drafts/messages?"+keyFilter("m1"), nil, nil)); len(v) != 0 {
		t.Errorf("the folder's item shows in Drafts: %v", v)
	}
}

func TestFaultsStrikeCreation(t *testing.T) {
	s := newTestServer(t, Options{})
	s.FailNext(1, FaultTimeoutAfterAccept)
	if r := mustCall(t, s, "POST", "/me/messages", mustJSON(t, graphMessage("c1", "bob@example.com")), nil); r.status != http.StatusGatewayTimeout {
		t.Errorf("create with a post-accept timeout = %d; want 504", r.status)
	}
	if d := s.Drafts(); len(d) != 1 || d[0].Key != "c1" {
		t.Errorf("Drafts() = %+v; want the draft created before the 504", d)
	}
	s.FailNext(1, FaultRedirect)
	r := mustCall(t, s, "POST", "/me/messages", mustJSON(t, graphMessage("c2", "bob@example.com")), nil)
	if r.status != http.StatusFound || r.header.Get("Location") == "" {
		t.Errorf("create with FaultRedirect = %d; want 302 with a Location", r.status)
	}
	if d := s.Drafts(); len(d) != 1 {
		t.Errorf("a redirected create left a draft: %+v", d)
	}
}
