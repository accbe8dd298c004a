package conf

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sirupsen/logrus"
	"gopkg.in/ini.v1"

	"atmshop/core"
)

// setting is one key of a settings section: its default, written as it
// would be in config.ini so that it goes through the same checks as a value
// from the file, and how to apply a value to a Config.
type setting struct {
	key   string
	def   string
	apply func(c *Config, value string) error // error: what is allowed
}

// section is a settings section and its keys.
type section struct {
	name string
	keys []setting
}

// shopSection is the catalog: its keys are item names, not settings.
const shopSection = "shop"

const (
	maxSeconds    = 365 * 24 * 60 * 60
	maxMinutes    = 365 * 24 * 60
	maxItemLength = 64 // characters in an item name
)

// settingsSections are the sections that never hold a user, in the order
// of the shipped config.ini. A key missing from the file keeps its default.
var settingsSections = []section{
	{ini.DefaultSection, []setting{
		wholeNumber("user_timeout", "1000", 1, maxSeconds, "seconds", func(c *Config, n int) {
			c.App.SessionTimeout = time.Duration(n) * time.Second
		}),
		amount("credit_limit", "0", func(c *Config, m core.Money) { c.App.CreditLimit = m }),
	}},
	{"storage", []setting{
		folder("dir", "db", func(c *Config, dir string) { c.DBDir = dir }),
		wholeNumber("lock_timeout", "30", 1, 3600, "seconds", func(c *Config, n int) {
			c.LockTimeout = time.Duration(n) * time.Second
		}),
		oneOf("driver", DriverFiles, []string{DriverFiles, DriverPostgres}, func(c *Config, v string) { c.Driver = v }),
		dsn("dsn", "", func(c *Config, v string) { c.DSN = v }),
	}},
	{"security", []setting{
		// bcrypt refuses costs outside 4..31 (bcrypt.MinCost, MaxCost).
		wholeNumber("bcrypt_cost", "10", 4, 31, "", func(c *Config, n int) { c.App.BcryptCost = n }),
		wholeNumber("max_failed_logins", "3", 1, 1000, "", func(c *Config, n int) { c.App.MaxFailedLogins = n }),
		wholeNumber("lockout_minutes", "15", 1, maxMinutes, "minutes", func(c *Config, n int) {
			c.App.LockoutDuration = time.Duration(n) * time.Minute
		}),
		// bcrypt reads at most 72 bytes, so a longer minimum could never be met.
		wholeNumber("min_password_length", "6", 1, 72, "characters", func(c *Config, n int) { c.App.MinPasswordLength = n }),
	}},
	{"logging", []setting{
		folder("dir", "log", func(c *Config, dir string) { c.Log.Dir = dir }),
		fileName("file", "all2.log", func(c *Config, name string) { c.Log.File = name }),
		wholeNumber("max_size_mb", "5", 1, 10240, "megabytes", func(c *Config, n int) { c.Log.MaxSizeMB = n }),
		wholeNumber("max_backups", "5", 0, 10000, "files", func(c *Config, n int) { c.Log.MaxBackups = n }),
		level("console_level", "warning", func(c *Config, l logrus.Level) { c.Log.ConsoleLevel = l }),
		level("file_level", "info", func(c *Config, l logrus.Level) { c.Log.FileLevel = l }),
	}},
	{"atm", []setting{
		wholeNumber("withdraw_fee_percent", "5", 0, 100, "percent", func(c *Config, n int) { c.App.WithdrawFeePercent = n }),
	}},
	{"credit", creditSettings},
	{"bank", []setting{
		timeZone("time_zone", "", func(c *Config, name string) { c.TimeZone = name }),
	}},
	uiSection,
	serverSection,
	// The catalog defaults to empty: the shop sells what [shop] lists.
	{shopSection, nil},
}

// settingsByName finds a settings section's keys by section name.
var settingsByName = func() map[string][]setting {
	m := make(map[string][]setting, len(settingsSections))
	for _, s := range settingsSections {
		m[s.name] = s.keys
	}
	return m
}()

// applyDefaults sets every setting to its default.
func (l loader) applyDefaults(c *Config) error {
	for _, sec := range settingsSections {
		for _, s := range sec.keys {
			if err := s.apply(c, s.def); err != nil {
				return fmt.Errorf("built-in default [%s] %s = %q: %w", sec.name, s.key, s.def, err)
			}
		}
	}
	return nil
}

// settings applies the keys of one settings section.
func (l loader) settings(c *Config, name string, keys []setting, entries []entry) error {
	for _, e := range entries {
		s, ok := findSetting(keys, e.key)
		if !ok {
			names := make([]string, len(keys))
			for i, s := range keys {
				names[i] = s.key
			}
			return fmt.Errorf("%s: [%s] %q: unknown key; [%s] takes %s", l.path, name, e.name, name, strings.Join(names, ", "))
		}
		if err := s.apply(c, e.value); err != nil {
			return l.bad(name, e.name, e.value, err)
		}
		l.written[name+" "+s.key] = e.value
	}
	return nil
}

func findSetting(keys []setting, key string) (setting, bool) {
	for _, s := range keys {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

// shop reads the catalog: each key is an item's name, kept as written, and
// its value the price.
func (l loader) shop(c *Config, entries []entry) error {
	for _, e := range entries {
		if !printable(e.name) || utf8.RuneCountInString(e.name) > maxItemLength {
			return fmt.Errorf("%s: [%s] %q: want an item name of at most %d characters, without control characters", l.path, shopSection, e.name, maxItemLength)
		}
		price, err := parseAmount(e.value)
		if err == nil && price == 0 {
			err = errors.New("want a price greater than 0")
		}
		if err != nil {
			return l.bad(shopSection, e.name, e.value, err)
		}
		c.App.Catalog = append(c.App.Catalog, core.Item{Name: e.name, Price: price})
	}
	return nil
}

// sectionList names the settings sections for messages.
func sectionList() string {
	names := make([]string, len(settingsSections))
	for i, s := range settingsSections {
		names[i] = "[" + s.name + "]"
	}
	return strings.Join(names, ", ")
}

func wholeNumber(key, def string, lo, hi int, unit string, set func(*Config, int)) setting {
	return setting{key, def, func(c *Config, v string) error {
		n, err := parseWhole(v, lo, hi, unit)
		if err != nil {
			return err
		}
		set(c, n)
		return nil
	}}
}

func amount(key, def string, set func(*Config, core.Money)) setting {
	return setting{key, def, func(c *Config, v string) error {
		m, err := parseAmount(v)
		if err != nil {
			return err
		}
		set(c, m)
		return nil
	}}
}

// folder resolves a relative folder against the project root, as the seed
// does with BASE_DIR, so that the app finds db/ and log/ whatever the
// working directory.
func folder(key, def string, set func(*Config, string)) setting {
	return projectPath(key, def, "want a folder, absolute or relative to the project root", set)
}

// projectPath resolves a relative path against the project root; want
// says what is allowed.
func projectPath(key, def, want string, set func(*Config, string)) setting {
	return setting{key, def, func(c *Config, v string) error {
		if v == "" || !printable(v) {
			return errors.New(want)
		}
		if !filepath.IsAbs(v) {
			v = filepath.Join(c.Root, v)
		}
		set(c, filepath.Clean(v))
		return nil
	}}
}

// fileName accepts a plain file name, the same on every system. A name
// starting with '.' is refused: the store's files (.journal, .applied,
// .lock) and sharedlog's lock file are dot-files, and a log by such a name
// could overwrite one or be overwritten.
func fileName(key, def string, set func(*Config, string)) setting {
	return setting{key, def, func(c *Config, v string) error {
		if v == "" || strings.HasPrefix(v, ".") || strings.ContainsAny(v, `/\:`) || !printable(v) {
			return errors.New("want a plain file name such as all2.log, without a folder and not starting with '.' (the store's and the lock's files are named so)")
		}
		set(c, v)
		return nil
	}}
}

// oneOf accepts one of choices, as written.
func oneOf(key, def string, choices []string, set func(*Config, string)) setting {
	return setting{key, def, func(c *Config, v string) error {
		for _, ch := range choices {
			if v == ch {
				set(c, v)
				return nil
			}
		}
		return fmt.Errorf("want one of %s", strings.Join(choices, ", "))
	}}
}

// dsn accepts a PostgreSQL connection string (libpq keyword/value or URL)
// or nothing; the driver reads it at start-up, so this only refuses what
// no connection string holds.
func dsn(key, def string, set func(*Config, string)) setting {
	return setting{key, def, func(c *Config, v string) error {
		if !printable(v) {
			return errors.New("want a PostgreSQL connection string such as host=db1 dbname=atmshop, or nothing for the PG* environment variables")
		}
		set(c, v)
		return nil
	}}
}

// timeZone accepts an IANA zone name that time.LoadLocation knows, or
// nothing. "Local" is refused: it means whatever zone each machine has.
func timeZone(key, def string, set func(*Config, string)) setting {
	return setting{key, def, func(c *Config, v string) error {
		if v != "" {
			if _, err := time.LoadLocation(v); err != nil || v == "Local" || !printable(v) {
				return errors.New("want an IANA time zone name such as Asia/Shanghai or UTC, or nothing for the machine's zone")
			}
		}
		set(c, v)
		return nil
	}}
}

func level(key, def string, set func(*Config, logrus.Level)) setting {
	return setting{key, def, func(c *Config, v string) error {
		// Fatal and panic are not offered: this app never logs at them.
		l, err := logrus.ParseLevel(v)
		if err != nil || l < logrus.ErrorLevel {
			return errors.New("want one of error, warning, info, debug or trace")
		}
		set(c, l)
		return nil
	}}
}

// parseWhole reads a whole number from lo to hi; unit names what it counts
// in the message.
func parseWhole(v string, lo, hi int, unit string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		if unit != "" {
			unit = " of " + unit
		}
		return 0, fmt.Errorf("want a whole number%s from %d to %d", unit, lo, hi)
	}
	return n, nil
}

// parseAmount reads an amount of yuan with core.ParseMoney's rules.
func parseAmount(v string) (core.Money, error) {
	m, err := core.ParseMoney(v)
	if err != nil {
		return 0, fmt.Errorf("want an amount in yuan from 0 to %s with at most two decimals, such as 100 or 99.50", core.MaxMoney)
	}
	return m, nil
}

// parseBool accepts the words configparser's getboolean accepts.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, errors.New("want true or false")
}

// printable reports whether s is valid UTF-8 without control characters,
// so that it prints on one line and means the same everywhere.
func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}
