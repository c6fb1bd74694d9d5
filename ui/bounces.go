package ui

import (
	"errors"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
)

// bounceCheck is the results' "Check for bounces" for a campaign sent
// live: Graph accepts every message (202) and a failure comes back later
// as a non-delivery report in the mailbox, so the window reads them when
// the person asks, through Service.Bounces as `campaign bounces` does.
// The rows it marks show as bounced with their reason; the addresses can
// then go on the suppression list in one action. Nothing in the mailbox is
// moved or deleted. It lives on the UI goroutine.
type bounceCheck struct {
	d        *sendStep
	check    *widget.Button
	suppress *widget.Button
	// addrs are the bounced addresses the last check found, sorted; nil
	// before a check, or once they were put on the suppression list.
	addrs []string
	busy  bool
}

func newBounceCheck(d *sendStep) *bounceCheck {
	b := &bounceCheck{d: d}
	b.check = widget.NewButtonWithIcon(lang.L("bounce.check"), theme.MailReplyIcon(), b.onCheck)
	b.suppress = widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), b.onSuppress)
	b.suppress.Importance = widget.WarningImportance
	b.check.Hide()
	b.suppress.Hide()
	return b
}

// canBounce: only messages sent live can bounce, and only once some were.
func (b *bounceCheck) canBounce() bool {
	c := b.d.vm.c
	return c.Settings.Mode == campaign.ModeSend && c.Status != campaign.StatusDraft && c.Status != "" &&
		c.Counts.Sent+c.Counts.Bounced > 0
}

// show shows the buttons that apply; a running send checks after it ends.
func (b *bounceCheck) show() {
	b.check.Hidden = !b.canBounce()
	if b.busy || b.d.job != nil {
		b.check.Disable()
	} else {
		b.check.Enable()
	}
	b.check.Refresh()
	b.suppress.Hidden = b.check.Hidden || len(b.addrs) == 0
	if !b.suppress.Hidden {
		b.suppress.SetText(lang.N("bounce.suppress", len(b.addrs), map[string]any{"Count": formatCount(len(b.addrs))}))
	}
	b.suppress.Refresh()
}

// onCheck reads the reports in the background and marks the rows.
func (b *bounceCheck) onCheck() {
	if b.busy {
		return
	}
	b.busy = true
	b.show()
	b.d.setNote(lang.L("bounce.checking"))
	id, ctx := b.d.vm.c.ID, b.d.u.work.ctx
	b.d.u.work.run(func() {
		rep, err := b.d.u.deps.Campaigns.Bounces(ctx, id)
		fyne.Do(func() {
			b.busy = false
			switch {
			case errors.Is(err, campaign.ErrNoBounceRead):
				b.d.setNote(lang.L("bounce.unreadable"))
			case errors.Is(err, campaign.ErrNotSentLive):
				b.d.setNote(lang.L("bounce.notlive"))
			case err != nil:
				b.d.setNote("")
				showError(b.d.u.window, "check for bounces", err)
			default:
				b.addrs = bouncedAddresses(rep)
				b.d.setNote(bounceText(rep))
				b.d.reload() // the rows marked, and the counts
			}
			b.show()
		})
	})
}

// bouncedAddresses are the report's bounced addresses, once each, sorted.
func bouncedAddresses(rep *campaign.BounceReport) []string {
	var out []string
	for _, r := range rep.Rows {
		for _, a := range r.Addresses {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// bounceText is "2 bounced, 121 other reports ignored.".
func bounceText(rep *campaign.BounceReport) string {
	if rep.Reports == 0 {
		return lang.L("bounce.none")
	}
	n := len(rep.Rows)
	return lang.L("bounce.found", map[string]any{
		"Bounced": lang.N("bounce.found.rows", n, map[string]any{"Count": formatCount(n)}),
		"Ignored": lang.N("bounce.found.ignored", rep.Unmatched, map[string]any{"Count": formatCount(rep.Unmatched)}),
	})
}

// onSuppress asks, then puts every bounced address of the campaign on the
// suppression list, so that no later campaign writes to it again.
func (b *bounceCheck) onSuppress() {
	n := len(b.addrs)
	if n == 0 {
		return
	}
	text := lang.N("bounce.suppress.text", n, map[string]any{"Count": formatCount(n), "List": strings.Join(b.addrs, ", ")})
	label := widget.NewLabel(text)
	label.Wrapping = fyne.TextWrapWord
	dlg := dialog.NewCustomConfirm(lang.L("bounce.suppress.title"), lang.L("bounce.suppress.ok"), lang.L("bounce.suppress.keep"), label, func(ok bool) {
		if !ok {
			return
		}
		id := b.d.vm.c.ID
		b.d.u.work.run(func() {
			added, err := b.d.u.deps.Campaigns.SuppressBounced(id)
			fyne.Do(func() {
				if err != nil {
					showError(b.d.u.window, "suppress bounced addresses", err)
					return
				}
				b.addrs = nil
				b.d.setNote(lang.N("bounce.suppressed", len(added), map[string]any{"Count": formatCount(len(added))}))
				b.show()
			})
		})
	}, b.d.u.window)
	dlg.Resize(fyne.NewSize(520, 0))
	b.d.u.showDialog(dlg, nil)
}
