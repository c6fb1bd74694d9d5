package main

import "strings"

// termSafeText is termSafe for text of several lines, such as a message
// body shown by preview: line breaks and tabs stay as they are, every other
// control character (ESC first of all) is shown escaped.
func termSafeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		parts := strings.Split(line, "\t")
		for j, p := range parts {
			parts[j] = termSafe(p)
		}
		lines[i] = strings.Join(parts, "\t")
	}
	return strings.Join(lines, "\n")
}
