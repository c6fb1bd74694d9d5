package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// messageStep is the campaign's Message step. (Being built: see the issue.)
type messageStep struct{ s *campaignScreen }

func newMessageStep(s *campaignScreen) *messageStep { return &messageStep{s: s} }

func (d *messageStep) build() fyne.CanvasObject { return widget.NewLabel("Message") }
func (d *messageStep) shown()                   {}
func (d *messageStep) mainAction()              {}
