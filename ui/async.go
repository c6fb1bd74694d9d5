package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// worker runs slow work (the database, files, rendering) off the UI
// goroutine; results come back with fyne.Do. Tests set spawn to run work
// inline, so they read the window only once it settled.
type worker struct {
	// ctx is the window's life: work started from the window stops with it.
	ctx   context.Context
	spawn func(func())
}

func (w *worker) run(f func()) {
	if w.spawn != nil {
		w.spawn(f)
		return
	}
	go f()
}

// inline reports whether work runs at once (tests).
func (w *worker) inline() bool { return w.spawn != nil }

// debouncer runs f once input has been quiet for a while: the live preview
// while typing, saving a draft. With an inline worker it runs at once.
type debouncer struct {
	w     *worker
	delay time.Duration
	mu    sync.Mutex
	timer *time.Timer
	gen   int
}

// call schedules f (on the UI goroutine) after the delay, replacing any
// call still waiting.
func (d *debouncer) call(f func()) {
	if d.w.inline() {
		f()
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	gen := d.gen
	if d.timer != nil {
		d.timer.Stop()
	}
	d.timer = time.AfterFunc(d.delay, func() {
		d.mu.Lock()
		current := gen == d.gen
		d.mu.Unlock()
		if current {
			fyne.Do(f)
		}
	})
}

// stop drops a waiting call.
func (d *debouncer) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	if d.timer != nil {
		d.timer.Stop()
	}
}
