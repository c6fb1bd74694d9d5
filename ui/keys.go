package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// keymap holds the window's shortcuts (DESIGN.md §9). They are registered
// on the canvas, which only sees them when nothing focused takes them, so
// the app's entries (newEntry, and the Message step's tokenEntry) hand on every shortcut
// the window owns — and F1 and Escape — instead of swallowing them.
type keymap struct {
	canvas fyne.Canvas
	// byName maps a shortcut's name to its action; screens add theirs.
	byName map[string]func()
	keys   map[fyne.KeyName]func()
}

func newKeymap(c fyne.Canvas) *keymap {
	k := &keymap{canvas: c, byName: map[string]func(){}, keys: map[fyne.KeyName]func(){}}
	c.SetOnTypedKey(func(e *fyne.KeyEvent) { k.key(e.Name) })
	return k
}

// ctrl is Ctrl+key (Cmd on macOS).
func ctrl(key fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
}

// on binds s to f, wherever the focus is.
func (k *keymap) on(s fyne.Shortcut, f func()) {
	k.byName[s.ShortcutName()] = f
	k.canvas.AddShortcut(s, func(fyne.Shortcut) { f() })
}

// onKey binds a key without modifier (F1, Escape) to f.
func (k *keymap) onKey(name fyne.KeyName, f func()) { k.keys[name] = f }

// shortcut runs s when the window owns it; false when it does not.
func (k *keymap) shortcut(s fyne.Shortcut) bool {
	if k == nil {
		return false
	}
	f := k.byName[s.ShortcutName()]
	if f == nil {
		return false
	}
	f()
	return true
}

// key runs the action bound to a bare key.
func (k *keymap) key(name fyne.KeyName) bool {
	if k == nil {
		return false
	}
	f := k.keys[name]
	if f == nil {
		return false
	}
	f()
	return true
}

// entry is a widget.Entry that hands on the window's shortcuts. The
// entry's own (copy, paste, undo, word moves) stay the entry's.
type entry struct {
	widget.Entry
	keys *keymap
	// own lists shortcuts this entry keeps even though the window has them
	// too (a multi-line editor keeps Ctrl+Left/Right for word moves).
	own map[string]bool
}

func newEntry(k *keymap) *entry {
	e := &entry{keys: k}
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut implements fyne.Shortcutable.
func (e *entry) TypedShortcut(s fyne.Shortcut) {
	if !e.own[s.ShortcutName()] && e.keys.shortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// TypedKey implements fyne.Focusable: F1 and Escape go to the window.
func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	if (ev.Name == fyne.KeyF1 || ev.Name == fyne.KeyEscape) && e.keys.key(ev.Name) {
		return
	}
	e.Entry.TypedKey(ev)
}
