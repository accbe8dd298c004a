package conf_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zone names load on any machine, as in bin/start

	"github.com/sirupsen/logrus"

	"atmshop/conf"
	"atmshop/core"
)

// defaults is what Load gives for a file that sets nothing.
var defaults = core.Settings{
	SessionTimeout:     1000 * time.Second,
	CreditLimit:        0,
	WithdrawFeePercent: 5,
	MaxFailedLogins:    3,
	LockoutDuration:    15 * time.Minute,
	MinPasswordLength:  6,
	BcryptCost:         10,
	Credit:             core.CreditRules{StatementDay: 22, DueDay: 10, DailyInterestPPM: 500, MinimumPaymentPercent: 10},
}

// yuan turns whole yuan into core.Money (fen).
func yuan(n int64) core.Money { return core.Money(n * 100) }

// writeConfig writes content to a fresh <tmp>/conf/config.ini and returns
// its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.ini")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func load(t *testing.T, content string) conf.Config {
	t.Helper()
	c, err := conf.Load(writeConfig(t, content))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestLoadSeedConfig(t *testing.T) {
	// The seed's config.ini, byte for byte; everything it does not say
	// takes its default.
	c, err := conf.Load(filepath.Join("testdata", "seed.ini"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.App, defaults; !reflect.DeepEqual(got, want) {
		t.Errorf("App = %+v, want %+v", got, want)
	}
	wantUsers := []core.UserSeed{
		{Name: "egon", Password: "123", Balance: yuan(10_000_000)},
		{Name: "alex", Password: "alex3714", Balance: yuan(10_000_000_000)},
		{Name: "yuanhao", Password: "ysb123", Balance: yuan(10)},
	}
	if !reflect.DeepEqual(c.Users, wantUsers) {
		t.Errorf("Users = %+v, want %+v", c.Users, wantUsers)
	}
	// testdata is not a conf folder, so the root is the file's own folder.
	root, _ := filepath.Abs("testdata")
	wantLog := conf.Logging{
		Dir: filepath.Join(root, "log"), File: "all2.log", MaxSizeMB: 5, MaxBackups: 5,
		ConsoleLevel: logrus.WarnLevel, FileLevel: logrus.InfoLevel,
	}
	if c.Root != root || c.File != filepath.Join(root, "seed.ini") || c.DBDir != filepath.Join(root, "db") || c.Log != wantLog {
		t.Errorf("Root %q File %q DBDir %q Log %+v, want root %q, its seed.ini and db, and log %+v", c.Root, c.File, c.DBDir, c.Log, root, wantLog)
	}
}

func TestLoadShippedConfig(t *testing.T) {
	c, err := conf.Load("config.ini")
	if err != nil {
		t.Fatal(err)
	}
	want := defaults
	want.CreditLimit = yuan(15_000)
	want.Catalog = []core.Item{
		{Name: "Coffee beans 1kg", Price: 8990},
		{Name: "Green tea 250g", Price: 4550},
		{Name: "Notebook A5", Price: 1280},
		{Name: "Ballpoint pens, pack of 10", Price: 1560},
		{Name: "USB-C cable 1m", Price: 2999},
		{Name: "Wireless mouse", Price: 9900},
		{Name: "Mechanical keyboard", Price: 39900},
		{Name: "Noise-cancelling headphones", Price: 129900},
		{Name: "西湖龙井茶叶 250g", Price: 12800},
		{Name: "景德镇青花瓷茶具", Price: 168000},
	}
	if !reflect.DeepEqual(c.App, want) {
		t.Errorf("App = %+v, want %+v", c.App, want)
	}
	wantUsers := []core.UserSeed{
		{Name: "egon", Password: "123", Balance: yuan(10_000_000), CreditLimit: yuan(15_000)},
		{Name: "alex", Password: "alex3714", Balance: yuan(10_000_000_000), CreditLimit: yuan(15_000)},
		{Name: "yuanhao", Password: "ysb123", Balance: yuan(10), CreditLimit: yuan(15_000)},
		{Name: "admin", Password: "admin123", CreditLimit: yuan(15_000), Admin: true},
	}
	if !reflect.DeepEqual(c.Users, wantUsers) {
		t.Errorf("Users = %+v, want %+v", c.Users, wantUsers)
	}
	// The shipped file sits in the project's conf folder: the root is the
	// module root, where db/ and log/ are.
	root, _ := filepath.Abs("..")
	if c.Root != root || c.DBDir != filepath.Join(root, "db") || c.Log.Dir != filepath.Join(root, "log") || c.Log.File != "all2.log" {
		t.Errorf("Root %q DBDir %q Log %+v, want root %q with db and log in it", c.Root, c.DBDir, c.Log, root)
	}
}

func TestLoadAcceptedValues(t *testing.T) {
	abs := t.TempDir() + string(filepath.Separator) // absolute folders stay as they are
	tests := []struct {
		name    string
		content string
		check   func(t *testing.T, c conf.Config)
	}{
		{"empty file: defaults and no users", "", func(t *testing.T, c conf.Config) {
			if !reflect.DeepEqual(c.App, defaults) || len(c.Users) != 0 {
				t.Errorf("App %+v Users %+v, want the defaults and no users", c.App, c.Users)
			}
		}},
		{"storage defaults to files", "", func(t *testing.T, c conf.Config) {
			if c.Driver != conf.DriverFiles || c.DSN != "" {
				t.Errorf("Driver %q DSN %q, want files and none", c.Driver, c.DSN)
			}
		}},
		{"storage on postgres", "[storage]\ndriver = postgres\ndsn = host=db1 dbname=bank\n", func(t *testing.T, c conf.Config) {
			if c.Driver != conf.DriverPostgres || c.DSN != "host=db1 dbname=bank" {
				t.Errorf("Driver %q DSN %q, want postgres at host=db1 dbname=bank", c.Driver, c.DSN)
			}
		}},
		{"credit_limit is inherited from DEFAULT unless the user sets one",
			"[inherits]\npassword = secret\n" +
				"[none]\npassword = secret\ncredit_limit = 0\n" +
				"[own]\npassword = secret\ncredit_limit = 99.5\n" +
				// After the users, as configparser also allows.
				"[DEFAULT]\ncredit_limit = 500\n",
			func(t *testing.T, c conf.Config) {
				got := map[string]core.Money{}
				for _, u := range c.Users {
					got[u.Name] = u.CreditLimit
				}
				want := map[string]core.Money{"inherits": yuan(500), "none": 0, "own": 9950}
				if !reflect.DeepEqual(got, want) || c.App.CreditLimit != yuan(500) {
					t.Errorf("limits %v, default %v; want %v and 500.00", got, c.App.CreditLimit, want)
				}
			}},
		{"only credit_limit is inherited: DEFAULT user_timeout is not a user key",
			"[DEFAULT]\nuser_timeout = 60\n[u]\npassword = secret\n",
			func(t *testing.T, c conf.Config) {
				want := []core.UserSeed{{Name: "u", Password: "secret"}}
				if !reflect.DeepEqual(c.Users, want) || c.App.SessionTimeout != time.Minute {
					t.Errorf("Users %+v timeout %v, want %+v and 1m", c.Users, c.App.SessionTimeout, want)
				}
			}},
		{"# and ; are part of a value", "[u]\npassword = ab#cd;ef\n", wantPassword("ab#cd;ef")},
		{"a trailing backslash does not continue the line", "[u]\npassword = abc\\\nmoney = 5\n", func(t *testing.T, c conf.Config) {
			if len(c.Users) != 1 || c.Users[0].Password != `abc\` || c.Users[0].Balance != yuan(5) {
				t.Errorf("Users = %+v, want password abc\\ and money 5.00", c.Users)
			}
		}},
		{"surrounding quotes are removed", "[u]\npassword = \" x \"\n", wantPassword(" x ")},
		{"quotes keep a leading backtick", "[u]\npassword = \"`x\"\n", wantPassword("`x")},
		{"no %(key)s substitution", "[DEFAULT]\nuser_timeout = 9\n[u]\npassword = %(user_timeout)s\n", wantPassword("%(user_timeout)s")},
		{"72 bytes of Chinese are allowed", "[u]\npassword = " + strings.Repeat("密", 24) + "\n", wantPassword(strings.Repeat("密", 24))},
		{"key names are case-insensitive", "[u]\nPassword = secret\nMONEY = 1.5\nAdmin = Yes\n", func(t *testing.T, c conf.Config) {
			want := []core.UserSeed{{Name: "u", Password: "secret", Balance: 150, Admin: true}}
			if !reflect.DeepEqual(c.Users, want) {
				t.Errorf("Users = %+v, want %+v", c.Users, want)
			}
		}},
		{"admin words", "[a]\npassword = x\nadmin = on\n[b]\npassword = x\nadmin = 1\n[c]\npassword = x\nadmin = no\n", func(t *testing.T, c conf.Config) {
			if len(c.Users) != 3 || !c.Users[0].Admin || !c.Users[1].Admin || c.Users[2].Admin {
				t.Errorf("Users = %+v, want a and b admins, c not", c.Users)
			}
		}},
		{"Windows line ends and byte order mark", "\ufeff[DEFAULT]\r\nuser_timeout = 30\r\n[u]\r\npassword = secret\r\n", func(t *testing.T, c conf.Config) {
			want := []core.UserSeed{{Name: "u", Password: "secret"}}
			if !reflect.DeepEqual(c.Users, want) || c.App.SessionTimeout != 30*time.Second {
				t.Errorf("Users %+v timeout %v, want %+v and 30s", c.Users, c.App.SessionTimeout, want)
			}
		}},
		{"shop items keep their case and order", "[shop]\niPhone = 5999\n茶叶 = 0.01\n", func(t *testing.T, c conf.Config) {
			want := []core.Item{{Name: "iPhone", Price: 599900}, {Name: "茶叶", Price: 1}}
			if !reflect.DeepEqual(c.App.Catalog, want) {
				t.Errorf("Catalog = %+v, want %+v", c.App.Catalog, want)
			}
		}},
		{"defaults of the storage and bank keys", "", func(t *testing.T, c conf.Config) {
			if c.LockTimeout != 30*time.Second || c.TimeZone != "" {
				t.Errorf("LockTimeout %v TimeZone %q, want 30s and empty", c.LockTimeout, c.TimeZone)
			}
		}},
		{"[ui] language: auto by default", "", func(t *testing.T, c conf.Config) {
			if c.Language != "" {
				t.Errorf("Language = %q, want empty (auto)", c.Language)
			}
		}},
		{"[ui] language = auto", "[ui]\nlanguage = auto\n", func(t *testing.T, c conf.Config) {
			if c.Language != "" {
				t.Errorf("Language = %q, want empty (auto)", c.Language)
			}
		}},
		{"[ui] language = zh", "[ui]\nlanguage = zh\n", func(t *testing.T, c conf.Config) {
			if c.Language != core.Chinese {
				t.Errorf("Language = %q, want zh", c.Language)
			}
		}},
		{"[ui] language = en", "[ui]\nlanguage = en\n", func(t *testing.T, c conf.Config) {
			if c.Language != core.English {
				t.Errorf("Language = %q, want en", c.Language)
			}
		}},
		{"a log folder next to the data folder", "[storage]\ndir = data\n[logging]\ndir = data-log\n", func(t *testing.T, c conf.Config) {
			if filepath.Base(c.Log.Dir) != "data-log" || filepath.Base(c.DBDir) != "data" {
				t.Errorf("Log.Dir %q DBDir %q, want data-log and data", c.Log.Dir, c.DBDir)
			}
		}},
		{"every setting", "[DEFAULT]\nuser_timeout = 1\ncredit_limit = 0.01\n" +
			"[storage]\ndir = " + abs + "db\nlock_timeout = 3600\n" +
			"[bank]\ntime_zone = Asia/Shanghai\n" +
			"[security]\nbcrypt_cost = 4\nmax_failed_logins = 1\nlockout_minutes = 1\nmin_password_length = 72\n" +
			"[logging]\ndir = " + abs + "log\nfile = atm.log\nmax_size_mb = 1\nmax_backups = 0\nconsole_level = ERROR\nfile_level = trace\n" +
			"[atm]\nwithdraw_fee_percent = 0\n" +
			"[credit]\nstatement_day = 31\ndue_day = 1\ndaily_interest = 10.0000%\nminimum_payment_percent = 100\n",
			func(t *testing.T, c conf.Config) {
				want := core.Settings{SessionTimeout: time.Second, CreditLimit: 1, LockoutDuration: time.Minute,
					MaxFailedLogins: 1, MinPasswordLength: 72, BcryptCost: 4,
					Credit: core.CreditRules{StatementDay: 31, DueDay: 1, DailyInterestPPM: 100000, MinimumPaymentPercent: 100}}
				wantLog := conf.Logging{Dir: abs + "log", File: "atm.log", MaxSizeMB: 1,
					ConsoleLevel: logrus.ErrorLevel, FileLevel: logrus.TraceLevel}
				if !reflect.DeepEqual(c.App, want) || c.Log != wantLog || c.DBDir != abs+"db" {
					t.Errorf("App %+v Log %+v DBDir %q, want %+v %+v %q", c.App, c.Log, c.DBDir, want, wantLog, abs+"db")
				}
				if c.LockTimeout != time.Hour || c.TimeZone != "Asia/Shanghai" {
					t.Errorf("LockTimeout %v TimeZone %q, want 1h0m0s and Asia/Shanghai", c.LockTimeout, c.TimeZone)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, load(t, tt.content))
		})
	}
}

// wantPassword checks a file with the one user u.
func wantPassword(want string) func(*testing.T, conf.Config) {
	return func(t *testing.T, c conf.Config) {
		t.Helper()
		if len(c.Users) != 1 || c.Users[0].Name != "u" || c.Users[0].Password != want {
			t.Errorf("Users = %+v, want u with password %q", c.Users, want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	long := strings.Repeat("密", 25) // 75 bytes
	tests := []struct {
		name    string
		content string
		want    []string // the error has each, besides the file name
	}{
		{"malformed section", "[DEFAULT\nuser_timeout = 1\n", []string{"line 1: not a valid ini file: a [section] header has no closing ']'"}},
		{"line without =", "[DEFAULT]\nuser_timeout\n", []string{"line 2: not a valid ini file: a line is neither"}},
		{"unclosed backtick", "[DEFAULT]\nuser_timeout = 5\n[alex]\npassword = `abc\nmoney = 5\n", []string{"line 4: not a valid ini file: a quote is never closed"}},
		{"key before any section", "user_timeout = 5\n", []string{`key "user_timeout" comes before any [section]`}},
		{"user_timeout abc", "[DEFAULT]\nuser_timeout = abc\n", []string{`[DEFAULT] user_timeout = "abc": want a whole number of seconds from 1 to`}},
		{"user_timeout 0", "[DEFAULT]\nuser_timeout = 0\n", []string{`[DEFAULT] user_timeout = "0": want a whole number of seconds`}},
		{"user_timeout -5", "[DEFAULT]\nuser_timeout = -5\n", []string{`[DEFAULT] user_timeout = "-5"`}},
		{"user_timeout empty", "[DEFAULT]\nuser_timeout =\n", []string{`[DEFAULT] user_timeout = ""`}},
		{"DEFAULT credit_limit abc", "[DEFAULT]\ncredit_limit = abc\n", []string{`[DEFAULT] credit_limit = "abc": want an amount in yuan`}},
		{"unknown DEFAULT key", "[DEFAULT]\ntimeout = 5\n", []string{`[DEFAULT] "timeout": unknown key; [DEFAULT] takes user_timeout, credit_limit`}},
		{"password in DEFAULT", "[DEFAULT]\npassword = x\n", []string{"[DEFAULT] password: it would be every user's password"}},
		{"password in storage", "[storage]\npassword = x\n", []string{"[storage] password: [storage] holds settings, not a user"}},
		{"password in shop", "[shop]\npassword = 5\n", []string{"[shop] password"}},
		{"storage driver unknown", "[storage]\ndriver = mysql\n", []string{`[storage] driver = "mysql": want one of files, postgres`}},
		{"storage dsn with a control character", "[storage]\ndsn = host=x password=s3cret\x01\n", []string{`[storage] dsn: want a PostgreSQL connection string`}},
		{"storage dir empty", "[storage]\ndir =\n", []string{`[storage] dir = "": want a folder`}},
		{"bcrypt_cost 3", "[security]\nbcrypt_cost = 3\n", []string{`[security] bcrypt_cost = "3": want a whole number from 4 to 31`}},
		{"bcrypt_cost 32", "[security]\nbcrypt_cost = 32\n", []string{`[security] bcrypt_cost = "32"`}},
		{"max_failed_logins 0", "[security]\nmax_failed_logins = 0\n", []string{`[security] max_failed_logins = "0"`}},
		{"lockout_minutes 1.5", "[security]\nlockout_minutes = 1.5\n", []string{`[security] lockout_minutes = "1.5": want a whole number of minutes`}},
		{"min_password_length 73", "[security]\nmin_password_length = 73\n", []string{`[security] min_password_length = "73": want a whole number of characters from 1 to 72`}},
		{"max_size_mb negative", "[logging]\nmax_size_mb = -1\n", []string{`[logging] max_size_mb = "-1": want a whole number of megabytes from 1 to`}},
		{"max_size_mb 0", "[logging]\nmax_size_mb = 0\n", []string{`[logging] max_size_mb = "0"`}},
		{"max_backups negative", "[logging]\nmax_backups = -5\n", []string{`[logging] max_backups = "-5": want a whole number of files from 0 to`}},
		{"unknown log level", "[logging]\nconsole_level = loud\n", []string{`[logging] console_level = "loud": want one of error, warning, info, debug or trace`}},
		{"fatal log level", "[logging]\nfile_level = fatal\n", []string{`[logging] file_level = "fatal"`}},
		{"log file with a folder", "[logging]\nfile = ../all2.log\n", []string{`[logging] file = "../all2.log": want a plain file name`}},
		{"log file with a Windows folder", "[logging]\nfile = log\\all2.log\n", []string{`[logging] file = "log\\all2.log"`}},
		{"unknown logging key", "[logging]\nsize = 5\n", []string{`[logging] "size": unknown key; [logging] takes dir, file, max_size_mb`}},
		{"fee 101 percent", "[atm]\nwithdraw_fee_percent = 101\n", []string{`[atm] withdraw_fee_percent = "101": want a whole number of percent from 0 to 100`}},
		{"bad price", "[shop]\nTea = 12.345\n", []string{`[shop] Tea = "12.345": want an amount in yuan`}},
		{"price not a number", "[shop]\nTea = cheap\n", []string{`[shop] Tea = "cheap"`}},
		{"price 0", "[shop]\nTea = 0.00\n", []string{`[shop] Tea = "0.00": want a price greater than 0`}},
		{"item name too long", "[shop]\n" + strings.Repeat("x", 65) + " = 1\n", []string{`[shop] "xxxx`, "want an item name of at most 64 characters"}},
		{"item twice", "[shop]\nTea = 1\ntea = 2\n", []string{`"tea" is given more than once`}},
		{"bad user name", "[../admin]\npassword = x\n", []string{`section "[../admin]" has a password key, so it is a user, but the name is an invalid username`}},
		{"upper-case user name", "[Alex]\npassword = x\n", []string{`"[Alex]"`, "password", "invalid username"}},
		{"daily_interest without %", "[credit]\ndaily_interest = 0.05\n", []string{`[credit] daily_interest = "0.05": want a percentage from 0% to 10%`}},
		{"daily_interest with five decimals", "[credit]\ndaily_interest = 0.00001%\n", []string{`[credit] daily_interest = "0.00001%": want a percentage`}},
		{"daily_interest above 10%", "[credit]\ndaily_interest = 10.01%\n", []string{`[credit] daily_interest = "10.01%": want a percentage`}},
		{"daily_interest negative", "[credit]\ndaily_interest = -1%\n", []string{`want a percentage`}},
		{"daily_interest in words", "[credit]\ndaily_interest = five%\n", []string{`want a percentage`}},
		{"statement_day 0", "[credit]\nstatement_day = 0\n", []string{`[credit] statement_day = "0": want a whole number`}},
		{"due_day 32", "[credit]\ndue_day = 32\n", []string{`[credit] due_day = "32": want a whole number`}},
		{"minimum_payment_percent 101", "[credit]\nminimum_payment_percent = 101\n", []string{`[credit] minimum_payment_percent = "101": want a whole number`}},
		{"unknown credit key", "[credit]\ninterest = 1%\n", []string{`[credit] "interest": unknown key; [credit] takes statement_day, due_day, daily_interest, minimum_payment_percent`}},
		{"unknown section", "[loging]\ndir = log\n", []string{`unknown section "[loging]": settings sections are [DEFAULT], [storage], [security], [logging], [atm], [credit], [bank], [ui], [server], [shop], and a user's section needs a password key`}},
		{"section names are case-sensitive", "[Logging]\ndir = log\n", []string{`unknown section "[Logging]"`}},
		{"section twice", "[alex]\npassword = x\n[alex]\nmoney = 5\n", []string{`section "[alex]" appears twice`}},
		{"key twice", "[alex]\npassword = x\nmoney = 1\nmoney = 2\n", []string{`"[alex]": "money" is given more than once`}},
		{"key twice in other case", "[alex]\npassword = x\nmoney = 1\nMoney = 1\n", []string{`"[alex]": "Money" is given more than once`}},
		{"empty password", "[alex]\npassword =\n", []string{"[alex] password is empty"}},
		{"password over 72 bytes", "[alex]\npassword = " + long + "\n", []string{"[alex] password is 75 bytes long: want at most 72 bytes"}},
		{"unknown user key", "[egon]\npassword = 123\nmony = 10\n", []string{`[egon] "mony": unknown key; a user takes password, money, credit_limit and admin`}},
		{"money negative", "[egon]\npassword = 123\nmoney = -10\n", []string{`[egon] money = "-10": want an amount in yuan`}},
		{"money too precise", "[egon]\npassword = 123\nmoney = 1.234\n", []string{`[egon] money = "1.234"`}},
		{"money too large", "[egon]\npassword = 123\nmoney = 1" + strings.Repeat("0", 18) + "\n", []string{`[egon] money = "1000000000000000000"`}},
		{"user credit_limit bad", "[egon]\npassword = 123\ncredit_limit = lots\n", []string{`[egon] credit_limit = "lots"`}},
		{"log folder is the data folder", "[storage]\ndir = data\n[logging]\ndir = data\n", []string{`[logging] dir = "data": the log folder is inside the data folder ([storage] dir = "data")`}},
		{"log folder inside the data folder", "[logging]\ndir = db/logs\n", []string{`[logging] dir = "db/logs": the log folder is inside the data folder ([storage] dir = "db")`}},
		{"log folder inside the data folder, spelt another way", "[storage]\ndir = ./x/../db\n[logging]\ndir = db/./logs/\n", []string{`[logging] dir = "db/./logs/"`, "inside the data folder"}},
		{"data folder is the project root", "[storage]\ndir = .\n", []string{`[logging] dir = "log": the log folder is inside the data folder ([storage] dir = ".")`}},
		{"log file named like a store file", "[logging]\nfile = .journal\n", []string{`[logging] file = ".journal": want a plain file name`, "not starting with '.'"}},
		{"log file named like a lock file", "[logging]\nfile = .all2.log.lock\n", []string{`[logging] file = ".all2.log.lock"`}},
		{"lock_timeout 0", "[storage]\nlock_timeout = 0\n", []string{`[storage] lock_timeout = "0": want a whole number of seconds from 1 to 3600`}},
		{"lock_timeout 3601", "[storage]\nlock_timeout = 3601\n", []string{`[storage] lock_timeout = "3601"`}},
		{"lock_timeout 1.5", "[storage]\nlock_timeout = 1.5\n", []string{`[storage] lock_timeout = "1.5"`}},
		{"time_zone unknown", "[bank]\ntime_zone = Mars/Olympus\n", []string{`[bank] time_zone = "Mars/Olympus": want an IANA time zone name such as Asia/Shanghai`}},
		{"time_zone Local", "[bank]\ntime_zone = Local\n", []string{`[bank] time_zone = "Local"`}},
		{"time_zone a path", "[bank]\ntime_zone = ../../etc/passwd\n", []string{`[bank] time_zone = "../../etc/passwd"`}},
		{"language unknown", "[ui]\nlanguage = fr\n", []string{`[ui] language = "fr": want one of auto, en, zh`}},
		{"language in capitals", "[ui]\nlanguage = ZH\n", []string{`[ui] language = "ZH": want one of auto, en, zh`}},
		{"unknown bank key", "[bank]\nzone = UTC\n", []string{`[bank] "zone": unknown key; [bank] takes time_zone`}},
		{"admin maybe", "[egon]\npassword = 123\nadmin = maybe\n", []string{`[egon] admin = "maybe": want true or false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			_, err := conf.Load(path)
			if err == nil {
				t.Fatalf("Load succeeded, want an error with %q", tt.want)
			}
			msg := err.Error()
			for _, want := range append([]string{path + ": "}, tt.want...) {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q\nwant it to contain %q", msg, want)
				}
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error %q is more than one line", msg)
			}
			if strings.Contains(msg, long) {
				t.Errorf("error %q shows the password", msg)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.ini")
	_, err := conf.Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a not-exist error naming %s", err, path)
	}
}

func TestLoadResolvesFoldersAgainstRoot(t *testing.T) {
	// A project elsewhere, loaded from its root with a relative path, as
	// bin/start does.
	path := writeConfig(t, "[storage]\ndir = data/users\n[logging]\ndir = ../logs\n")
	root := filepath.Dir(filepath.Dir(path))
	t.Chdir(root)
	c, err := conf.Load(filepath.Join("conf", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	if c.File != path || c.Root != root {
		t.Errorf("File %q Root %q, want %q and %q", c.File, c.Root, path, root)
	}
	if want := filepath.Join(root, "data", "users"); c.DBDir != want {
		t.Errorf("DBDir = %q, want %q", c.DBDir, want)
	}
	if want := filepath.Join(filepath.Dir(root), "logs"); c.Log.Dir != want {
		t.Errorf("Log.Dir = %q, want %q", c.Log.Dir, want)
	}
}

// TestLoadErrorsNeverShowPasswords feeds broken files that hold a
// distinctive password in every position a parse or check error could
// quote, and checks that no error repeats it.
func TestLoadErrorsNeverShowPasswords(t *testing.T) {
	const pw = "Zq7-s3cret-pw"
	tests := []struct{ name, content string }{
		{"unclosed backtick", "[alex]\npassword = `" + pw + "\nmoney = 5\n"},
		{"unclosed triple quote", "[alex]\npassword = \"\"\"" + pw + "\nmoney = 5\n"},
		{"unclosed backtick before a section", "[alex]\npassword = `" + pw + "\n[bob]\npassword = x\n"},
		{"password line without a key", "[alex]\n= " + pw + "\n"},
		{"password alone on a line", "[alex]\n" + pw + "\n"},
		{"password with an unclosed key quote", "[alex]\n\"" + pw + " = 1\n"},
		{"password in a broken section header", "[alex]\npassword = x\n[" + pw + "\n"},
		{"password before any section", "password = " + pw + "\n[alex]\npassword = x\n"},
		{"password in DEFAULT", "[DEFAULT]\npassword = " + pw + "\n"},
		{"password in a settings section", "[logging]\npassword = " + pw + "\n"},
		{"password in shop", "[shop]\npassword = " + pw + "\n"},
		{"misspelt password key", "[alex]\npasword = " + pw + "\n"},
		{"password key twice", "[alex]\npassword = " + pw + "\npassword = " + pw + "x\n"},
		{"password key twice in other case", "[alex]\npassword = " + pw + "\nPASSWORD = other\n"},
		{"password too long", "[alex]\npassword = " + pw + strings.Repeat("x", 72) + "\n"},
		{"user name invalid", "[Alex]\npassword = " + pw + "\n"},
		{"bad money after the password", "[alex]\npassword = " + pw + "\nmoney = lots\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			_, err := conf.Load(path)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if msg := err.Error(); strings.Contains(msg, pw) || strings.Contains(msg, "s3cret") {
				t.Errorf("error %q shows the password", msg)
			}
		})
	}
}
