package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// dataStep is the campaign's Data step. (Being built: see the issue.)
type dataStep struct{ s *campaignScreen }

func newDataStep(s *campaignScreen) *dataStep { return &dataStep{s: s} }

func (d *dataStep) build() fyne.CanvasObject { return widget.NewLabel("Data") }
func (d *dataStep) shown()                   {}
func (d *dataStep) mainAction()              {}
