// Package pgtest gives tests a throwaway PostgreSQL cluster: one per test
// package run (Main, from TestMain), a fresh database per test (DSN).
//
// initdb and pg_ctl are found on PATH, under /usr/lib/postgresql/*/bin or
// from pg_config --bindir. The cluster listens on a unix socket only, in a
// short temp folder (socket paths are limited to 107 bytes), with fsync
// off, as the postgres user when the tests run as root. If ATMSHOP_PG_DSN
// is set, that server is used instead. With no server, tests skip with one
// line, unless ATMSHOP_REQUIRE_PG=1 turns the skip into a failure.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

var (
	baseDSN string // a server to create databases on; "" if none
	reason  string // why there is none
	counter atomic.Int64
)

// Main starts a cluster (or takes ATMSHOP_PG_DSN), runs the tests and
// stops it. Call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m interface{ Run() int }) int {
	if dsn := os.Getenv("ATMSHOP_PG_DSN"); dsn != "" {
		baseDSN = dsn
		return m.Run()
	}
	stop, err := start()
	if err != nil {
		reason = err.Error()
		return m.Run()
	}
	defer stop()
	return m.Run()
}

// DSN creates a new empty database and returns its DSN; it skips the test
// when there is no server (fails it under ATMSHOP_REQUIRE_PG=1).
func DSN(t testing.TB) string {
	t.Helper()
	Require(t)
	dsn, err := NewDatabase()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// Require skips t with one line when there is no server, or fails it
// under ATMSHOP_REQUIRE_PG=1.
func Require(t testing.TB) {
	t.Helper()
	if baseDSN == "" {
		msg := "no PostgreSQL: " + reason
		if os.Getenv("ATMSHOP_REQUIRE_PG") == "1" {
			t.Fatal(msg + " (ATMSHOP_REQUIRE_PG=1)")
		}
		t.Skip(msg)
	}
}

// NewDatabase creates a new empty database on the server and returns its
// DSN. Tests call DSN; this is for helpers that have no testing.TB.
func NewDatabase() (string, error) {
	if baseDSN == "" {
		return "", fmt.Errorf("no PostgreSQL: %s", reason)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, baseDSN)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("atmshop_test_%d_%d", os.Getpid(), counter.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	cfg, err := pgx.ParseConfig(baseDSN)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s", cfg.Host, cfg.Port, cfg.User, name), nil
}

// credential is the user to run the server as.
type credential struct{ uid, gid uint32 }

// binDir finds the folder of initdb and pg_ctl.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.Reverse(dirs) // newest version first
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("initdb and pg_ctl not found on PATH, under /usr/lib/postgresql/*/bin or by pg_config")
}

func start() (stop func(), err error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("/tmp", "pg")
	if err != nil {
		return nil, err
	}
	var cred *credential
	userName := ""
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run initdb as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &credential{uid: uint32(uid), gid: uint32(gid)}
		userName = u.Username
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	} else {
		u, err := user.Current()
		if err != nil {
			return nil, err
		}
		userName = u.Username
	}
	run := func(name string, args ...string) error {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		setCredential(cmd, cred)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", name, err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run("initdb", "-D", data, "-U", userName, "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", dir)
	if err := run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	baseDSN = fmt.Sprintf("host=%s port=5432 user=%s dbname=postgres", dir, userName)
	return func() {
		_ = run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	}, nil
}
