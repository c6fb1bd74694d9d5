package campaign

import "time"

// Cancel stops campaign id for good: every row not sent yet is skipped with
// the reason "campaign cancelled", and the status becomes cancelled. A row
// left "sending" by a crash is skipped too, with a reason saying it may have
// gone out. It returns how many rows were skipped. Stop any Runner of the
// campaign (cancel its context) before calling Cancel.
func Cancel(st Store, id string) (int, error) {
	var open []Entry
	if err := st.Journal(id, func(e Entry) bool {
		if e.State == StatePending || e.State == StateSending {
			open = append(open, e)
		}
		return true
	}); err != nil {
		return 0, err
	}
	now := time.Now()
	for _, e := range open {
		why := NewReason(ReasonCancelled)
		if e.State == StateSending {
			why = NewReason(ReasonCancelledSending)
		}
		if err := st.Move(id, e.Index, StateSkipped, why, 0, now); err != nil {
			return 0, err
		}
	}
	return len(open), st.UpdateCampaign(id, func(c *Campaign) error {
		c.Status, c.Why, c.Reason, c.ResumeAt = StatusCancelled, NewReason(ReasonCancelled), "cancelled", time.Time{}
		c.Finished = now
		return nil
	})
}
