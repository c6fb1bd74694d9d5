//go:build windows

package main

import (
	"os"
	"syscall"
)

// attachConsole lets the GUI-subsystem .exe print to the console it was
// started from (cmd.exe, PowerShell): Windows gives a windowsgui program no
// standard streams, so a subcommand's output would vanish without this.
// Double-clicked, there is no parent console and nothing changes.
func attachConsole() {
	if len(os.Args) < 2 {
		return // the window: no console wanted
	}
	const attachParentProcess = ^uintptr(0) // (DWORD)-1
	kernel32 := syscall.NewLazyDLL("kernel32.dll")
	r, _, _ := kernel32.NewProc("AttachConsole").Call(attachParentProcess)
	if r == 0 {
		return
	}
	if f, err := os.OpenFile("CONOUT$", os.O_RDWR, 0); err == nil {
		if isInvalid(os.Stdout) {
			os.Stdout = f
		}
		if isInvalid(os.Stderr) {
			os.Stderr = f
		}
	}
	if f, err := os.OpenFile("CONIN$", os.O_RDWR, 0); err == nil && isInvalid(os.Stdin) {
		os.Stdin = f
	}
}

// isInvalid reports whether f is not a usable handle (a redirected stream,
// e.g. `securemerge inspect x.csv > out.txt`, must be kept).
func isInvalid(f *os.File) bool {
	if f == nil {
		return true
	}
	_, err := f.Stat()
	return err != nil
}
