package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// tokenEntry is an entry column chips type into (the Subject and the
// body): it tells when it gains the focus, so a chip tapped afterwards —
// which takes the focus away — still knows where the person was writing.
type tokenEntry struct {
	entry
	focused func(*tokenEntry)
}

// newTokenEntry is newEntry (or newMultiLineEntry) that reports its focus.
func newTokenEntry(k *keymap, multiLine bool, focused func(*tokenEntry)) *tokenEntry {
	e := &tokenEntry{focused: focused}
	e.keys = k
	if multiLine {
		e.MultiLine = true
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	return e
}

// FocusGained implements fyne.Focusable.
func (e *tokenEntry) FocusGained() {
	e.entry.FocusGained()
	if e.focused != nil {
		e.focused(e)
	}
}

// insert types text at the cursor, replacing a selection, and leaves the
// cursor after it, as if the person had typed it; OnChanged runs once.
func (e *tokenEntry) insert(text string) {
	if e.Disabled() {
		return
	}
	changed := e.OnChanged
	e.OnChanged = nil
	for _, r := range text {
		e.TypedRune(r)
	}
	e.OnChanged = changed
	if changed != nil {
		changed(e.Text)
	}
}

// columnChips is one small button per column of the data: tapping one
// inserts {{ Column }} where the person was writing. They sit on one line
// that scrolls sideways when the sheet has many columns (a wrapping
// layout would change its height after the first layout, which the
// editor around it does not follow).
type columnChips struct {
	box     *fyne.Container
	view    *container.Scroll
	onChip  func(column string)
	cols    []string
	enabled bool
}

func newColumnChips(onChip func(string)) *columnChips {
	c := &columnChips{box: container.NewHBox(), onChip: onChip}
	c.view = container.NewHScroll(c.box)
	return c
}

// setColumns shows a chip for each column; disabled ones when the message
// can no longer change.
func (c *columnChips) setColumns(cols []string, enabled bool) {
	if slices.Equal(cols, c.cols) && enabled == c.enabled && len(c.box.Objects) == len(cols) {
		return // the table grew: same columns
	}
	c.cols, c.enabled = slices.Clone(cols), enabled
	objs := make([]fyne.CanvasObject, 0, len(cols))
	for _, col := range cols {
		b := widget.NewButtonWithIcon(col, theme.ContentAddIcon(), func() { c.onChip(col) })
		b.Importance = widget.LowImportance
		if !enabled {
			b.Disable()
		}
		objs = append(objs, b)
	}
	c.box.Objects = objs
	c.box.Refresh()
	c.view.Refresh()
}
