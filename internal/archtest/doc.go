// Package archtest holds no code: its test checks that dependencies point
// inward (DESIGN.md §2): the domain (merge, campaign) imports no adapter and
// no outside-world library, adapters never import each other, and only ui
// imports Fyne.
package archtest
