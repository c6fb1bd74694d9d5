package ui

import (
	"fmt"
	"io"
	"os"
)

// maxTemplate bounds a template file read from disk: a hand-written
// message is a few kilobytes; anything past this is not one.
const maxTemplate = 8 << 20

// readTemplate reads a template file the person chose.
func readTemplate(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTemplate+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxTemplate {
		return "", fmt.Errorf("%s: larger than %d MB", path, maxTemplate>>20)
	}
	return string(b), nil
}
