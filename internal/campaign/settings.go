package campaign

import (
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
)

// AppSettings are the app-wide settings, kept in the Store's settings (one
// key each) so that `data export` and `data erase` cover them — never in a
// second preferences file. Zero values mean the defaults.
type AppSettings struct {
	From         string // sender when neither the template nor the campaign names one, and no mailbox is signed in
	SendAs       string // shared mailbox to send as by default ("" = the signed-in mailbox)
	Rate         int    // messages per minute; 0 means 30
	DailyLimit   int    // recipients per rolling 24 h; 0 means 10,000
	Language     string // "en", "fr"; "" means the system's language
	CrashReports bool   // opt-in crash reports; false until the person says yes
}

// SettingKeys are the settings `securemerge settings KEY [VALUE]` knows, in
// the order it lists them.
var SettingKeys = []string{"from", "send-as", "rate", "daily-limit", "language", "crash-reports"}

// Languages the app speaks.
var Languages = []string{"en", "fr"}

// Settings reads the app settings; a value that does not parse reads as
// its default.
func (s *Service) Settings() AppSettings {
	get := func(k string) string {
		if s.Store == nil {
			return ""
		}
		v, _ := s.Store.Setting(k)
		return v
	}
	var a AppSettings
	a.From = get("from")
	a.SendAs = get("send-as")
	a.Rate, _ = strconv.Atoi(get("rate"))
	a.DailyLimit, _ = strconv.Atoi(get("daily-limit"))
	a.Language = get("language")
	a.CrashReports = get("crash-reports") == "on"
	return a
}

// Setting returns one setting as the command line shows it ("" when unset).
func (s *Service) Setting(key string) (string, error) {
	if !slices.Contains(SettingKeys, key) {
		return "", unknownSetting(key)
	}
	v, _ := s.Store.Setting(key)
	if key == "crash-reports" && v == "" {
		v = "off"
	}
	return v, nil
}

// SetSetting checks and stores one setting; "" resets it to its default.
func (s *Service) SetSetting(key, value string) error {
	value = strings.TrimSpace(value)
	switch key {
	case "from", "send-as":
		if value != "" {
			if _, err := mail.ParseAddress(value); err != nil {
				return fmt.Errorf("%s: %q is not an e-mail address", key, value)
			}
		}
	case "rate", "daily-limit":
		if value != "" {
			n, err := strconv.Atoi(value)
			if err != nil || n <= 0 {
				return fmt.Errorf("%s: %q is not a positive whole number", key, value)
			}
			if key == "rate" && n > 30 {
				return fmt.Errorf("rate: at most 30 messages a minute (Microsoft 365's limit)")
			}
		}
	case "language":
		value = strings.ToLower(value)
		if value != "" && !slices.Contains(Languages, value) {
			return fmt.Errorf("language: %q is not one of %s", value, strings.Join(Languages, ", "))
		}
	case "crash-reports":
		switch strings.ToLower(value) {
		case "on", "yes", "true":
			value = "on"
		case "off", "no", "false", "":
			value = ""
		default:
			return fmt.Errorf("crash-reports: say on or off")
		}
	default:
		return unknownSetting(key)
	}
	return s.Store.SetSetting(key, value)
}

func unknownSetting(key string) error {
	return fmt.Errorf("no setting %q: the settings are %s", key, strings.Join(SettingKeys, ", "))
}

// uiPrefix keeps the window's own state apart from the settings people
// set, in the same store (so export and erase cover it).
const uiPrefix = "ui."

// Recall returns a piece of the window's state (its size, the folder
// last opened) that Remember kept; "" when there is none.
func (s *Service) Recall(key string) string {
	if s.Store == nil {
		return ""
	}
	v, _ := s.Store.Setting(uiPrefix + key)
	return v
}

// Remember keeps a piece of the window's state.
func (s *Service) Remember(key, value string) error {
	if s.Store == nil {
		return nil
	}
	return s.Store.SetSetting(uiPrefix+key, value)
}
