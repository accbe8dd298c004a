package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// update makes TestScripts rewrite, instead of failing, the expected output
// of each `cmp` in a transcript whose second file is in the transcript
// (`cmp stdout want.txt`): go test ./bin/start -run TestScripts -update.
// Other checks (stdout regexps, grep, exists) are not rewritten. Read the
// diff of testdata/script before committing it: it is what a person sees.
var update = flag.Bool("update", false, "rewrite the expected output of failing cmp checks in testdata/script/*.txtar")

// TestMain lets the scripts run this package's main as the command
// "atmshop", in a child process, exactly as a user runs the program.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"atmshop": main})
}

// TestScripts runs the transcripts in testdata/script: each one is a whole
// session on stdin and what the program must print. Every script starts in
// a fresh folder holding conf/config.ini from testdata/config.ini (users
// alice, bob and root, fast password hashing), so db/ and log/ are its own.
func TestScripts(t *testing.T) {
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
			return os.WriteFile(filepath.Join(dir, "config.ini"), config, 0o600)
		},
		RequireExplicitExec: true,
		UpdateScripts:       *update,
	})
}
