package merge

import (
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

func decodeBase64(t *testing.T, data []byte) []byte {
	t.Helper()
	out, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(data)))
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	return out
}

func quotedPrintableReader(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }
