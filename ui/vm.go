package ui

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// change says what a campaignVM listener should look at again.
type change int

const (
	changedCampaign change = 1 << iota // name, settings, status
	changedTemplate                    // the message: From, Subject, body, roles
	changedTable                       // the data source opened, or more rows read
	changedProblems                    // validation of every row finished
	changedRow                         // another recipient is selected
)

// campaignVM is the open campaign as its screens share it: the campaign,
// its template as fields, its data source's Table, the problems of every
// row and the selected recipient. It is read and written on the UI
// goroutine only; the database, the file and validation are reached
// through the worker, and their results come back with fyne.Do.
type campaignVM struct {
	u    *App
	c    *campaign.Campaign // with Template kept in step with spec
	spec *merge.Spec
	// specErr is why the stored template could not be read as fields (a
	// template file written by hand); the Message step shows it.
	specErr error

	table    *campaign.Table
	tableErr error

	report    *merge.Report
	reportErr error                   // the template cannot be checked yet (its problems)
	problems  map[int][]merge.Problem // by spreadsheet row number

	row int // the selected recipient (0-based data row)

	listeners []func(change)
	saver     *debouncer
	checker   *debouncer
	stopCheck context.CancelFunc
}

func newCampaignVM(u *App, c *campaign.Campaign) *campaignVM {
	vm := &campaignVM{u: u, c: c,
		saver:   &debouncer{w: &u.work, delay: 400 * time.Millisecond},
		checker: &debouncer{w: &u.work, delay: 600 * time.Millisecond}}
	vm.spec, vm.specErr = merge.ParseDraft(strings.NewReader(c.Template), templateLabel(c))
	if vm.spec == nil {
		vm.spec = &merge.Spec{}
	}
	return vm
}

func templateLabel(c *campaign.Campaign) string {
	if c.TemplateName != "" {
		return c.TemplateName
	}
	return c.Name
}

// onChange calls f (on the UI goroutine) after every change.
func (vm *campaignVM) onChange(f func(change)) { vm.listeners = append(vm.listeners, f) }

func (vm *campaignVM) notify(what change) {
	for _, f := range vm.listeners {
		f(what)
	}
}

// current is the campaign with the message as it is on screen, saved or
// not: what previews render.
func (vm *campaignVM) current() *campaign.Campaign {
	c := *vm.c
	return &c
}

// editable reports whether the message and the recipients may change:
// once sending has started they are frozen (duplicate to change them).
func (vm *campaignVM) editable() bool {
	return vm.c.Status == campaign.StatusDraft || vm.c.Status == ""
}

// setSpec changes the message: the screens update at once, the campaign is
// saved once typing pauses, and every row is checked again after that.
func (vm *campaignVM) setSpec(edit func(*merge.Spec)) {
	if !vm.editable() {
		return
	}
	edit(vm.spec)
	vm.specErr = nil
	vm.c.Template = vm.spec.String()
	vm.notify(changedTemplate)
	vm.saver.call(vm.save)
	vm.checker.call(vm.check)
}

// save writes the message to the database now.
func (vm *campaignVM) save() {
	vm.saver.stop()
	id, tpl := vm.c.ID, vm.c.Template
	vm.u.work.run(func() {
		_, err := vm.u.deps.Campaigns.Update(id, campaign.Edit{Template: &tpl})
		if err != nil {
			fyne.Do(func() { showError(vm.u.window, "save campaign", err) })
		}
	})
}

// rename gives the campaign a new name.
func (vm *campaignVM) rename(name string) {
	id := vm.c.ID
	vm.u.work.run(func() {
		c, err := vm.u.deps.Campaigns.Update(id, campaign.Edit{Name: &name})
		fyne.Do(func() {
			if err != nil {
				showError(vm.u.window, "rename campaign", err)
				return
			}
			vm.c.Name = c.Name
			vm.notify(changedCampaign)
		})
	})
}

// setData points the campaign at a data source (another file, sheet,
// encoding or delimiter) and reads it.
func (vm *campaignVM) setData(d campaign.DataSource) {
	if !vm.editable() {
		return
	}
	id := vm.c.ID
	vm.c.Data = d
	vm.table, vm.tableErr, vm.report, vm.problems, vm.row = nil, nil, nil, nil, 0
	vm.notify(changedTable | changedRow)
	vm.u.work.run(func() {
		c, err := vm.u.deps.Campaigns.Update(id, campaign.Edit{Data: &d})
		fyne.Do(func() {
			if err != nil {
				showError(vm.u.window, "set data source", err)
				return
			}
			vm.c.Data, vm.c.Settings = c.Data, c.Settings
			vm.load()
		})
	})
}

// load reads the data source in the background: the table shows its
// first rows as soon as they are read, then grows until the end.
func (vm *campaignVM) load() {
	d := vm.c.Data
	if d.Path == "" {
		return
	}
	ctx := vm.u.work.ctx
	vm.u.work.run(func() {
		t, err := vm.u.deps.Campaigns.Table(d)
		if err == nil {
			select {
			case <-t.First():
			case <-ctx.Done():
				return
			}
			if _, done := t.Len(); done {
				err = t.Err()
			}
		}
		fyne.Do(func() {
			if vm.c.Data != d {
				return // another file was chosen meanwhile
			}
			vm.table, vm.tableErr = t, err
			if err == nil {
				vm.chooseRoles(t.Columns())
			}
			vm.notify(changedTable | changedRow)
			if err == nil {
				vm.follow(ctx, t)
			}
		})
	})
}

// follow tells the screens as the rest of the file is read, then checks
// every row.
func (vm *campaignVM) follow(ctx context.Context, t *campaign.Table) {
	if _, done := t.Len(); done || vm.u.work.inline() {
		vm.check()
		return
	}
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			_, done := t.Len()
			fyne.Do(func() {
				if vm.table != t {
					return
				}
				if done {
					vm.tableErr = t.Err()
				}
				vm.notify(changedTable)
				if done {
					vm.check()
				}
			})
			if done {
				return
			}
		}
	}()
}

// obviousAddress matches the header people give the column of addresses.
var obviousAddress = regexp.MustCompile(`(?i)^\s*(e[\s_-]?mail|mail|courriel|adresse([\s_-]?(e[\s_-]?mail|mail|électronique|electronique))?|email[\s_-]?address|address|to|destinataire)\s*$`)

// chooseRoles preselects the column of addresses of a message that has no
// recipient yet: the column named Email, E-mail, Courriel, Adresse…
func (vm *campaignVM) chooseRoles(cols []string) {
	if strings.TrimSpace(vm.spec.To) != "" || !vm.editable() || vm.specErr != nil {
		return
	}
	for _, c := range cols {
		if obviousAddress.MatchString(c) {
			vm.setSpec(func(s *merge.Spec) { s.To = token(c) })
			return
		}
	}
}

// token is the template text that inserts a column: {{ Column }}, with
// quotes for a name a bare token cannot hold.
func token(col string) string {
	if regexp.MustCompile(`^[\p{L}\p{N}_][\p{L}\p{N}_ .\-]*$`).MatchString(col) && !strings.HasSuffix(col, " ") {
		return "{{ " + col + " }}"
	}
	return `{{ "` + strings.ReplaceAll(col, `"`, `\"`) + `" }}`
}

// check validates every row in the background; the Data step marks the
// rows with problems and Preview shows them beside each message.
func (vm *campaignVM) check() {
	vm.checker.stop()
	if vm.stopCheck != nil {
		vm.stopCheck()
	}
	if vm.table == nil {
		return
	}
	ctx, cancel := context.WithCancel(vm.u.work.ctx)
	vm.stopCheck = cancel
	c := vm.current()
	// The subject and sender are written on the Message step; until they
	// are, the rows' own problems (addresses, duplicates) are still worth
	// showing.
	if strings.TrimSpace(vm.spec.Subject) == "" || strings.TrimSpace(vm.spec.From) == "" && c.Settings.From == "" {
		s := *vm.spec
		if strings.TrimSpace(s.Subject) == "" {
			s.Subject = "-"
		}
		if strings.TrimSpace(s.From) == "" && c.Settings.From == "" {
			s.From = "sender@example.com"
		}
		c.Template = s.String()
	}
	vm.u.work.run(func() {
		rep, err := vm.u.deps.Campaigns.Check(ctx, c)
		if ctx.Err() != nil {
			return
		}
		fyne.Do(func() {
			if ctx.Err() != nil {
				return
			}
			vm.report, vm.reportErr = rep, err
			vm.problems = map[int][]merge.Problem{}
			if rep != nil {
				for _, p := range rep.Problems {
					if p.Line > 0 {
						vm.problems[p.Line] = append(vm.problems[p.Line], p)
					}
				}
			}
			vm.notify(changedProblems)
		})
	})
}

// setRow selects another recipient.
func (vm *campaignVM) setRow(i int) {
	if i < 0 {
		i = 0
	}
	if vm.table != nil {
		if n, done := vm.table.Len(); done && i >= n && n > 0 {
			i = n - 1
		}
	}
	if i == vm.row {
		return
	}
	vm.row = i
	vm.notify(changedRow)
}

// close saves what is waiting and stops the background checks.
func (vm *campaignVM) close() {
	vm.checker.stop()
	if vm.stopCheck != nil {
		vm.stopCheck()
	}
	vm.saver.stop()
	if vm.editable() {
		// At once, not in the background: the window may be closing, and
		// the database closes after it.
		tpl := vm.c.Template
		if _, err := vm.u.deps.Campaigns.Update(vm.c.ID, campaign.Edit{Template: &tpl}); err != nil {
			fyne.LogError("save campaign", err)
		}
	}
}

// dataName is the file's name as the person knows it.
// Outlook contacts (a "contacts:" source) read as such.
func dataName(d campaign.DataSource) string {
	if rest, ok := strings.CutPrefix(d.Path, "contacts:"); ok {
		where, _, _ := strings.Cut(rest, "?")
		if where == "" {
			return lang.L("data.contacts.mine")
		}
		return lang.L("data.contacts.of", map[string]any{"Source": where})
	}
	return filepath.Base(d.Path)
}
