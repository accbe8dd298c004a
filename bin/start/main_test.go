package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"atmshop/core/pgstore/pgtest"
)

// update makes TestScripts rewrite, instead of failing, the expected output
// of each `cmp` in a transcript whose second file is in the transcript
// (`cmp stdout want.txt`): go test ./bin/start -run TestScripts -update.
// Other checks (stdout regexps, grep, exists) are not rewritten. Read the
// diff of testdata/script before committing it: it is what a person sees.
var update = flag.Bool("update", false, "rewrite the expected output of failing cmp checks in testdata/script/*.txtar")

// TestMain lets the scripts run this package's main as the command
// "atmshop", in a child process, exactly as a user runs the program.
// The parent also starts a throwaway PostgreSQL cluster for
// TestScriptsPostgres (pgtest.Main); the children only run main.
//
// "atmshop-at" is the program with its clock fixed at $ATMSHOP_TEST_NOW
// (RFC 3339), for the transcripts of bills and interest. It exists in the
// test binary only: the shipped program has no way to set its clock.
func TestMain(m *testing.M) {
	testscript.Main(pgMain{m}, map[string]func(){"atmshop": main, "atmshop-at": mainAt})
}

func mainAt() {
	now, err := time.Parse(time.RFC3339, os.Getenv("ATMSHOP_TEST_NOW"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "atmshop-at: set ATMSHOP_TEST_NOW to a time such as 2026-12-22T09:00:00+08:00")
		os.Exit(2)
	}
	err = runAt(context.Background(), func() time.Time { return now }, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, nil, os.Stderr))
}

type pgMain struct{ m *testing.M }

func (p pgMain) Run() int { return pgtest.Main(p.m) }

// TestScripts runs the transcripts in testdata/script: each one is a whole
// session on stdin and what the program must print. Every script starts in
// a fresh folder holding conf/config.ini from testdata/config.ini (users
// alice, bob and root, fast password hashing), so db/ and log/ are its own.
func TestScripts(t *testing.T) { runScripts(t, false) }

// TestScriptsPostgres runs the same transcripts with [storage] driver =
// postgres, each on a new database of the tests' cluster. Lines about the
// files in db/ carry the [files] condition and are skipped here.
func TestScriptsPostgres(t *testing.T) {
	pgtest.Require(t)
	runScripts(t, true)
}

func runScripts(t *testing.T, postgres bool) {
	config, err := os.ReadFile(filepath.Join("testdata", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			dir := filepath.Join(env.WorkDir, "conf")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			c := config
			if postgres {
				dsn, err := pgtest.NewDatabase()
				if err != nil {
					return err
				}
				c, err = withPostgres(config, dsn)
				if err != nil {
					return err
				}
			}
			return os.WriteFile(filepath.Join(dir, "config.ini"), c, 0o600)
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "files":
				return !postgres, nil
			case "postgres":
				return postgres, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		RequireExplicitExec: true,
		UpdateScripts:       *update && !postgres,
	})
}

// withPostgres sets driver and dsn in the [storage] section of config.
func withPostgres(config []byte, dsn string) ([]byte, error) {
	s := string(config)
	add := "[storage]\ndriver = postgres\ndsn = " + dsn + "\n"
	if !strings.Contains(s, "[storage]\n") {
		return []byte(s + "\n" + add), nil
	}
	return []byte(strings.Replace(s, "[storage]\n", add, 1)), nil
}
