// Package conf reads config.ini, the seed's configuration file, into a typed
// and validated Config, and builds the logger the seed's my_log_settings.py
// describes (see NewLogger).
//
// The file format is the one Python's configparser reads, parsed with
// gopkg.in/ini.v1. The two differ in ways that matter for passwords and
// defaults, so Load pins down the behaviour explicitly:
//
//   - '#' and ';' start a comment only at the start of a line: a value is
//     kept whole, so "password = ab#cd;ef" is the password "ab#cd;ef".
//   - A trailing backslash is part of the value, not a line continuation.
//   - Values are taken raw: ini.v1's "%(key)s" substitution is not applied.
//   - Surrounding quotes are removed, as ini.v1 does: `password = " x "`
//     keeps the spaces. A value that starts with a backtick or with three
//     double quotes is read by ini.v1 as a quoted, possibly multi-line value;
//     wrap such a value in double quotes.
//   - Key names are matched case-insensitively, as configparser does by
//     lowercasing them; Load lowercases for matching itself rather than use
//     ini.v1's InsensitiveKeys, so that shop item names keep their case.
//     Section names are case-sensitive: a user's section name is the user
//     name.
//   - Python inherits every [DEFAULT] key into every section; ini.v1 never
//     does (its Key, HasKey and MapTo look only at the section itself and,
//     for a name like [a.b], at its parent [a]). Here exactly one key is
//     inherited, on purpose: a user without credit_limit gets the
//     [DEFAULT] credit_limit.
//   - A key given twice in a section, a section given twice, a key before
//     the first section header and any unknown key or section are errors,
//     where ini.v1 would keep the last value, merge the sections or silently
//     put the key in [DEFAULT]. (ini.v1 hides a repeat whose value is
//     empty; the first value is then used.)
//
// Every error is one line that names the file, the section, the key and the
// value, and says what is allowed. Passwords are never repeated in errors.
package conf

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"gopkg.in/ini.v1"

	"atmshop/core"
)

// Config is everything config.ini says, checked and with defaults filled in.
type Config struct {
	// File is the absolute path of the file loaded.
	File string
	// Root is the project root, the seed's BASE_DIR: the folder that holds
	// the conf folder the file is in, or the file's own folder when that is
	// not named conf. Relative folders in the file are relative to Root.
	Root string
	// DBDir is the absolute path of the folder of user files.
	DBDir string
	// LockTimeout is how long a transaction waits for the data lock held by
	// another copy of the program before it gives up.
	LockTimeout time.Duration
	// Driver is the store: DriverFiles (db/ on this machine) or
	// DriverPostgres (a PostgreSQL server at DSN).
	Driver string
	// DSN is the PostgreSQL connection string; "" takes the PG*
	// environment variables. Only read when Driver is DriverPostgres.
	DSN string
	// TimeZone is the IANA name of the bank's time zone, checked with
	// time.LoadLocation, or "" for the machine's zone at the first start.
	TimeZone string
	// Language is [ui] language: core.English, core.Chinese, or "" for
	// auto (the terminal's locale decides; see terminal.ChooseLanguage).
	Language core.Language
	Log      Logging
	App      core.Settings
	// Server is how bin/server serves the app over SSH.
	Server Server
	// Users are the users declared in the file, in file order.
	Users []core.UserSeed
}

// The values of [storage] driver.
const (
	DriverFiles    = "files"
	DriverPostgres = "postgres"
)

// Logging says where and how much to log; NewLogger acts on it.
type Logging struct {
	// Dir is the absolute path of the log folder.
	Dir string
	// File is the log file's base name, e.g. all2.log.
	File string
	// MaxSizeMB is the size in megabytes at which the file is rotated.
	MaxSizeMB int
	// MaxBackups is how many rotated files to keep; 0 keeps all of them.
	MaxBackups   int
	ConsoleLevel logrus.Level
	FileLevel    logrus.Level
}

// options make ini.v1 read values whole and report what it would otherwise
// resolve silently (see the package comment).
var options = ini.LoadOptions{
	IgnoreInlineComment: true,
	IgnoreContinuation:  true,
	// Shadows and non-unique sections keep repeats visible so that Load can
	// refuse them instead of ini.v1 keeping the last value or merging.
	AllowShadows:               true,
	AllowDuplicateShadowValues: true,
	AllowNonUniqueSections:     true,
}

// Load reads and checks the configuration file at path.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config %s: %w", path, err)
	}
	f, err := ini.LoadSources(options, data)
	if err != nil {
		return Config{}, parseError(path, data, err)
	}
	l := loader{path: path, written: map[string]string{}}
	c := Config{File: abs, Root: root(abs)}
	if err := l.load(&c, f.Sections()); err != nil {
		return Config{}, err
	}
	if err := l.checkFolders(c); err != nil {
		return Config{}, err
	}
	return c, nil
}

// checkFolders refuses a log folder that is the data folder or inside it:
// the store owns every file there, and the log's lines would be lost.
// Both folders are absolute and clean (see folder).
func (l loader) checkFolders(c Config) error {
	rel, err := filepath.Rel(c.DBDir, c.Log.Dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return nil
	}
	return fmt.Errorf("%s: [logging] dir = %q: the log folder is inside the data folder ([storage] dir = %q), where the store owns every file; put the logs in a folder of their own, such as log",
		l.path, l.value("logging", "dir"), l.value("storage", "dir"))
}

// root finds the project root for the config file at abs.
func root(abs string) string {
	dir := filepath.Dir(abs)
	if filepath.Base(dir) == "conf" {
		return filepath.Dir(dir)
	}
	return dir
}

// loader turns parsed sections into a Config and words its errors.
type loader struct {
	path    string            // as the caller gave it, for messages
	written map[string]string // "section key": the value of a settings key as written
}

// value is what the file says for a settings key, or its default.
func (l loader) value(section, key string) string {
	if v, ok := l.written[section+" "+key]; ok {
		return v
	}
	for _, sec := range settingsSections {
		if sec.name == section {
			if s, ok := findSetting(sec.keys, key); ok {
				return s.def
			}
		}
	}
	return ""
}

// entry is one key = value line of a section.
type entry struct {
	name  string // as written
	key   string // lower-cased, for matching
	value string
}

// load fills c from the file's sections: settings first, users last, so that
// a [DEFAULT] written after the users still applies to them.
func (l loader) load(c *Config, sections []*ini.Section) error {
	// ini.v1 always starts with an implicit DEFAULT section that collects the
	// keys written before the first header; configparser rejects such keys.
	if keys := sections[0].KeyStrings(); len(keys) > 0 {
		return fmt.Errorf("%s: key %q comes before any [section] header: put it under [DEFAULT] or in a user's section", l.path, keys[0])
	}
	if err := l.applyDefaults(c); err != nil {
		return err
	}
	type userSection struct {
		name    string
		entries []entry
	}
	var users []userSection
	seen := map[string]bool{}
	for _, sec := range sections[1:] {
		name := sec.Name()
		if seen[name] {
			return fmt.Errorf("%s: section %q appears twice: write each section once", l.path, "["+name+"]")
		}
		seen[name] = true
		entries, err := l.entries(sec)
		if err != nil {
			return err
		}
		keys, isSettings := settingsByName[name]
		switch {
		case isSettings && hasKey(entries, "password"):
			why := "[" + name + "] holds settings, not a user"
			if name == ini.DefaultSection {
				why = "it would be every user's password"
			}
			return fmt.Errorf("%s: [%s] password: %s; give each user a section of their own, like [alice]", l.path, name, why)
		case name == shopSection:
			err = l.shop(c, entries)
		case isSettings:
			err = l.settings(c, name, keys, entries)
		case !hasKey(entries, "password"):
			err = fmt.Errorf("%s: unknown section %q: settings sections are %s, and a user's section needs a password key", l.path, "["+name+"]", sectionList())
		default:
			err = core.CheckUsername(name)
			if err != nil {
				err = fmt.Errorf("%s: section %q has a password key, so it is a user, but the name is an %w", l.path, "["+name+"]", err)
			}
			users = append(users, userSection{name, entries})
		}
		if err != nil {
			return err
		}
	}
	for _, u := range users {
		seed, err := l.user(u.name, u.entries, c.App.CreditLimit)
		if err != nil {
			return err
		}
		c.Users = append(c.Users, seed)
	}
	return nil
}

// entries lists a section's keys in file order and refuses repeats,
// including repeats that differ only in letter case.
func (l loader) entries(sec *ini.Section) ([]entry, error) {
	var out []entry
	seen := map[string]bool{}
	for _, k := range sec.Keys() {
		e := entry{name: k.Name(), key: strings.ToLower(k.Name()), value: k.Value()}
		if seen[e.key] || len(k.ValueWithShadows()) > 1 {
			return nil, fmt.Errorf("%s: section %q: %q is given more than once: keep one", l.path, "["+sec.Name()+"]", e.name)
		}
		seen[e.key] = true
		out = append(out, e)
	}
	return out, nil
}

func hasKey(entries []entry, key string) bool {
	for _, e := range entries {
		if e.key == key {
			return true
		}
	}
	return false
}

// bad words a complaint about one value: what was written and, in want,
// what is allowed. name must be safe to print: a known key or a checked name.
func (l loader) bad(section, name, value string, want error) error {
	if section == "storage" && strings.EqualFold(name, "dsn") {
		// A connection string may hold a password: never echo it.
		return fmt.Errorf("%s: [%s] %s: %w", l.path, section, name, want)
	}
	return fmt.Errorf("%s: [%s] %s = %q: %w", l.path, section, name, value, want)
}
