package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph"
)

// sources opens a campaign's recipients: Outlook contacts for a
// "contacts:" path (through the signed-in mailbox), a spreadsheet for any
// other.
type sources struct {
	files   campaign.Sources
	m       *Main
	dataDir string
}

var _ campaign.Sources = sources{}

// contactsTimeout bounds reading one contact list (at most
// graph.MaxContacts, 500 a request).
const contactsTimeout = 5 * time.Minute

func (s sources) Open(d campaign.DataSource) (campaign.Rows, error) {
	if !d.IsContacts() {
		return s.files.Open(d)
	}
	src, err := graph.ParseContactsPath(d.Path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), contactsTimeout)
	defer cancel()
	mb, err := s.m.connect(ctx, s.dataDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	cs, err := mb.client.Contacts(ctx, src)
	if err != nil {
		return nil, err
	}
	rows := graph.NewContactRows(cs)
	if len(cs) == 0 {
		return nil, fmt.Errorf("%s: %w", src, graph.ErrNoContacts)
	}
	return rows, nil
}

// categoryFlag is the repeatable --category.
type categoryFlag []string

func (c *categoryFlag) String() string { return strings.Join(*c, ",") }

func (c *categoryFlag) Set(v string) error {
	if v = strings.TrimSpace(v); v == "" {
		return fmt.Errorf("an empty category")
	}
	*c = append(*c, v)
	return nil
}

// contactsPath adds the --category values to a "contacts:" --data path.
func contactsPath(data string, categories []string) string {
	src, err := graph.ParseContactsPath(data)
	if err != nil {
		return data // Open says what is wrong with it
	}
	src.Categories = append(src.Categories, categories...)
	return src.Path()
}
