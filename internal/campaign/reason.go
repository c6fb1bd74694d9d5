package campaign

import (
	"fmt"
	"strconv"
	"time"
)

// ReasonCode says, in a form a front end can translate, why a row was
// skipped or failed, or why a campaign paused or is waiting. The journal and
// the campaign keep the code and its arguments beside the English sentence
// (Entry.Reason, Campaign.Reason), which the command line prints and the
// exports carry; the window renders the code in the person's language
// (ui: "reason.<code>" with the arguments). Codes are stable: they are
// stored, so a code is never renamed, only added.
type ReasonCode string

// Reason codes and the arguments each carries.
const (
	ReasonDuplicate        ReasonCode = "duplicate"         // row: the earlier row to the same address; address: which, when the row has several
	ReasonSuppressed       ReasonCode = "suppressed"        // detail: the address and why it is suppressed
	ReasonInvalid          ReasonCode = "invalid"           // detail: the row's errors (skipped with --skip-invalid)
	ReasonRender           ReasonCode = "render"            // detail: why the row could not be rendered
	ReasonMissingRow       ReasonCode = "missing_row"       // row: a journal entry whose snapshot row is gone
	ReasonRejected         ReasonCode = "rejected"          // detail: the mailbox's own message for a permanent refusal
	ReasonNotDelivered     ReasonCode = "not_delivered"     // attempts, detail
	ReasonCancelled        ReasonCode = "cancelled"         // none
	ReasonCancelledSending ReasonCode = "cancelled_sending" // none: cancelled while the row was being sent
	ReasonDailyLimit       ReasonCode = "daily_limit"       // limit, resume_at (RFC 3339); waiting or paused
	ReasonThrottled        ReasonCode = "throttled"         // wait (whole seconds): the mailbox asked to slow down
	ReasonThrottledOften   ReasonCode = "throttled_often"   // none: paused after repeated throttling
	ReasonSignIn           ReasonCode = "sign_in"           // none: the mailbox refused the session
	ReasonQuota            ReasonCode = "quota"             // detail (may be empty): the mailbox's sending limit
	ReasonLookupFailed     ReasonCode = "lookup_failed"     // row, detail: could not ask the mailbox whether a row went out
	ReasonStoppedAtLimit   ReasonCode = "stopped_at_limit"  // n: the run's --limit
	ReasonPaused           ReasonCode = "paused"            // none: paused by the person
	ReasonDestination      ReasonCode = "destination"       // detail: the destination itself failed (a full disk)
	ReasonError            ReasonCode = "error"             // detail: an unexpected error stopped the run
	ReasonOutsideHours     ReasonCode = "outside_hours"     // hours ("08:00-18:00", "" for weekdays only), weekdays ("yes" when Monday to Friday only), resume_at (RFC 3339); waiting or paused
	ReasonBounced          ReasonCode = "bounced"           // status (5.1.1), detail (the server's text, may be empty), address (which recipients, comma-separated)
)

// ReasonCodes lists every code, for front ends that must translate each.
var ReasonCodes = []ReasonCode{ReasonDuplicate, ReasonSuppressed, ReasonInvalid, ReasonRender, ReasonMissingRow,
	ReasonRejected, ReasonNotDelivered, ReasonCancelled, ReasonCancelledSending, ReasonDailyLimit, ReasonThrottled,
	ReasonThrottledOften, ReasonSignIn, ReasonQuota, ReasonLookupFailed, ReasonStoppedAtLimit, ReasonPaused,
	ReasonDestination, ReasonError, ReasonBounced, ReasonOutsideHours}

// Reason is a code with its arguments. The zero Reason means "no reason".
type Reason struct {
	Code ReasonCode        `json:"code,omitempty"`
	Args map[string]string `json:"args,omitempty"`
}

// NewReason builds a Reason from code and key, value pairs.
func NewReason(code ReasonCode, kv ...string) Reason {
	r := Reason{Code: code}
	if len(kv) > 1 {
		r.Args = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			r.Args[kv[i]] = kv[i+1]
		}
	}
	return r
}

// Arg returns argument k, "" when absent.
func (r Reason) Arg(k string) string { return r.Args[k] }

// IsZero reports whether r carries no code.
func (r Reason) IsZero() bool { return r.Code == "" }

// ResumeAt is the resume_at argument as a time (zero when absent).
func (r Reason) ResumeAt() time.Time {
	t, _ := time.Parse(time.RFC3339, r.Args["resume_at"])
	return t
}

// English renders r as the sentence the command line prints and the
// exports carry. Times are shown in loc (nil means time.Local).
func (r Reason) English(loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	a := r.Args
	switch r.Code {
	case "":
		return ""
	case ReasonDuplicate:
		if a["address"] != "" {
			return "duplicate of row " + a["row"] + ": " + a["address"]
		}
		return "duplicate of row " + a["row"]
	case ReasonSuppressed:
		return "suppressed: " + a["detail"]
	case ReasonInvalid:
		return "not sent: " + a["detail"]
	case ReasonRender, ReasonRejected, ReasonDestination, ReasonError:
		return a["detail"]
	case ReasonMissingRow:
		return fmt.Sprintf("row %s is missing from the snapshot", a["row"])
	case ReasonNotDelivered:
		return fmt.Sprintf("not delivered after %s attempts: %s", a["attempts"], a["detail"])
	case ReasonCancelled:
		return "campaign cancelled"
	case ReasonCancelledSending:
		return "campaign cancelled while this row was being sent: it may have gone out"
	case ReasonDailyLimit:
		when := r.ResumeAt().In(loc).Format("Mon 15:04")
		if a["waiting"] != "" {
			return fmt.Sprintf("daily limit of %s recipients reached; continuing at %s", a["limit"], when)
		}
		return fmt.Sprintf("daily limit of %s recipients reached; it can continue at %s", a["limit"], when)
	case ReasonThrottled:
		return fmt.Sprintf("the mailbox asked to slow down; continuing in %s", secondsText(a["wait"]))
	case ReasonThrottledOften:
		return "the mailbox keeps refusing messages (throttled); try again later"
	case ReasonSignIn:
		return "sign in again: the mailbox no longer accepts this session"
	case ReasonQuota:
		if a["detail"] != "" {
			return "the mailbox's sending limit was reached: " + a["detail"]
		}
		return "the mailbox's sending limit was reached"
	case ReasonLookupFailed:
		return fmt.Sprintf("cannot reach the mailbox to confirm whether row %s was sent (%s); resume to try again", a["row"], a["detail"])
	case ReasonStoppedAtLimit:
		return fmt.Sprintf("stopped after %s messages as asked; resume to send the rest", a["n"])
	case ReasonPaused:
		return "paused"
	case ReasonOutsideHours:
		when := r.ResumeAt().In(loc).Format("Mon 15:04")
		hours := a["hours"]
		switch {
		case hours != "" && a["weekdays"] != "":
			hours += " on weekdays"
		case hours == "":
			hours = "weekdays only"
		}
		if a["waiting"] != "" {
			return fmt.Sprintf("outside the sending hours (%s); continuing at %s", hours, when)
		}
		return fmt.Sprintf("outside the sending hours (%s); it can continue at %s", hours, when)
	case ReasonBounced:
		s := "bounced"
		if a["address"] != "" {
			s += ": " + a["address"]
		}
		if a["status"] != "" {
			s += " (" + a["status"] + ")"
		}
		if a["detail"] != "" {
			s += ": " + a["detail"]
		}
		return s
	}
	if a["detail"] != "" {
		return a["detail"]
	}
	return string(r.Code)
}

// secondsText shows a whole number of seconds as time.Duration does, the
// way the command line always printed waits ("1m30s").
func secondsText(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil {
		return s
	}
	return (time.Duration(n) * time.Second).String()
}

func itoa(n int) string { return strconv.Itoa(n) }
