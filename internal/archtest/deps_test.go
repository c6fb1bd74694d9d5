package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/securemerge/securemerge"

// outside lists the libraries that tie code to the outside world.
var outside = []string{
	"fyne.io/",
	"go.etcd.io/bbolt",
	"github.com/xuri/excelize",
	"github.com/microsoftgraph/",
	"github.com/microsoft/kiota",
	"github.com/AzureAD/",
	"github.com/getsentry/",
}

var adapters = []string{"sheet", "store", "graph", "outbox", "license", "telemetry"}

type pkg struct {
	ImportPath string
	Imports    []string // direct
	Deps       []string // transitive
}

func list(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = p
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	return pkgs
}

func adapterOf(path string) string {
	for _, a := range adapters {
		p := module + "/internal/" + a
		if path == p || strings.HasPrefix(path, p+"/") {
			return a
		}
	}
	return ""
}

func TestDependenciesPointInward(t *testing.T) {
	pkgs := list(t)
	if _, ok := pkgs["internal/merge"]; !ok {
		t.Fatal("go list found no internal/merge package")
	}
	for path, p := range pkgs {
		switch {
		case path == "internal/merge" || path == "internal/campaign":
			for _, d := range p.Deps {
				for _, o := range outside {
					if strings.HasPrefix(d, o) {
						t.Errorf("%s depends on %s: the domain must not import the outside world", path, d)
					}
				}
				if a := adapterOf(d); a != "" || strings.HasPrefix(d, module+"/ui") || strings.HasPrefix(d, module+"/cmd") {
					t.Errorf("%s depends on %s: the domain must not import an adapter", path, d)
				}
			}
		case adapterOf(module+"/"+path) != "":
			self := adapterOf(module + "/" + path)
			for _, d := range p.Imports {
				if a := adapterOf(d); a != "" && a != self {
					t.Errorf("%s imports %s: adapters never import each other", path, d)
				}
				if strings.HasPrefix(d, module+"/ui") {
					t.Errorf("%s imports the ui", path)
				}
			}
		}
		if path == "ui" {
			// The window reaches the mailbox, the database, the licence
			// server and crash reports only through the interfaces cmd
			// wires (ui.Deps); it reads spreadsheet errors' sentinels.
			for _, d := range p.Imports {
				if a := adapterOf(d); a != "" && a != "sheet" {
					t.Errorf("ui imports %s: the window reaches adapters through ui.Deps", d)
				}
			}
		}
		if path != "ui" && !strings.HasPrefix(path, "ui/") {
			for _, d := range p.Imports {
				if strings.HasPrefix(d, "fyne.io/") {
					t.Errorf("%s imports %s: only ui may import Fyne", path, d)
				}
			}
		}
	}
}
