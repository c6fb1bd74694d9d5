// Package ui is SecureMerge's desktop window: Fyne screens and their
// view-models.
//
// It is the only package of this module that imports fyne. It talks to the
// rest of the app through the small Backend interface that cmd/securemerge
// wires, so it never imports bbolt, Graph, excelize or sentry itself. Work
// runs off the UI goroutine and comes back through fyne.Do.
package ui
