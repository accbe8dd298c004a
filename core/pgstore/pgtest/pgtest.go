// Package pgtest gives tests a throwaway PostgreSQL cluster: one per test
// package run (Main, from TestMain), a fresh database per test (DSN).
//
// initdb and pg_ctl are found on PATH, under /usr/lib/postgresql/*/bin or
// from pg_config --bindir. The cluster listens on a unix socket only, in a
// short temp folder (socket paths are limited to 107 bytes), with fsync
// off, as the postgres user when the tests run as root. Start sets up a
// cluster of a test's own: with fsync on, or with password
// authentication, and Restart restarts it. If ATMSHOP_PG_DSN
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
	c, err := Start(Options{})
	if err != nil {
		reason = err.Error()
		return m.Run()
	}
	defer c.Stop()
	baseDSN = c.DSN
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

// Options say how to set a cluster up.
type Options struct {
	// Fsync turns fsync and synchronous commit on, as on a production
	// server; off, a commit costs no disk flush.
	Fsync bool
	// Password, if set, is the superuser's password, and every
	// connection must give it (scram-sha-256) instead of being trusted.
	Password string
}

// Cluster is a PostgreSQL server of its own, in a temporary folder, on a
// unix socket.
type Cluster struct {
	// DSN reaches the postgres database as the superuser (with the
	// password, if the cluster has one).
	DSN string
	// Socket is the folder of the server's unix socket: the host of a DSN.
	Socket string
	// User is the superuser's name.
	User string

	bin, data, opts string
	cred            *credential
}

// Start initialises and starts a new cluster. Stop it at the end.
func Start(o Options) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("/tmp", "pg")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Socket: dir, bin: bin, data: filepath.Join(dir, "data")}
	if err := c.init(o); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

func (c *Cluster) init(o Options) error {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root and there is no postgres user to run initdb as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &credential{uid: uint32(uid), gid: uint32(gid)}
		c.User = u.Username
		if err := os.Chown(c.Socket, uid, gid); err != nil {
			return err
		}
	} else {
		u, err := user.Current()
		if err != nil {
			return err
		}
		c.User = u.Username
	}
	args := []string{"-D", c.data, "-U", c.User, "--no-sync", "-E", "UTF8", "--locale=C"}
	if o.Password == "" {
		args = append(args, "-A", "trust")
	} else {
		pwfile := filepath.Join(c.Socket, "pwfile")
		if err := os.WriteFile(pwfile, []byte(o.Password+"\n"), 0o600); err != nil {
			return err
		}
		if c.cred != nil {
			if err := os.Chown(pwfile, int(c.cred.uid), int(c.cred.gid)); err != nil {
				return err
			}
		}
		defer os.Remove(pwfile)
		args = append(args, "-A", "scram-sha-256", "--pwfile", pwfile)
	}
	if err := c.run("initdb", args...); err != nil {
		return err
	}
	durability := "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	if o.Fsync {
		durability = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
	}
	c.opts = fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s %s -c max_connections=200", c.Socket, durability)
	if err := c.run("pg_ctl", "-D", c.data, "-o", c.opts, "-l", filepath.Join(c.Socket, "log"), "-w", "start"); err != nil {
		return err
	}
	c.DSN = fmt.Sprintf("host=%s port=5432 user=%s dbname=postgres", c.Socket, c.User)
	if o.Password != "" {
		c.DSN += " password=" + o.Password
	}
	return nil
}

// run runs one of the server's programs as the server's user.
func (c *Cluster) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	setCredential(cmd, c.cred)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, out)
	}
	return nil
}

// BinDir is the folder of the server's programs (psql, pgbench, pg_ctl).
func (c *Cluster) BinDir() string { return c.bin }

// Restart stops the server the way an operator would (pg_ctl restart,
// fast: open sessions are ended, their transactions rolled back) and
// starts it again.
func (c *Cluster) Restart() error {
	return c.run("pg_ctl", "-D", c.data, "-o", c.opts, "-l", filepath.Join(c.Socket, "log"), "-m", "fast", "-w", "restart")
}

// Stop stops the server at once and removes its folder.
func (c *Cluster) Stop() {
	_ = c.run("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
	os.RemoveAll(c.Socket)
}

// Own starts a cluster of t's own, stopped when t ends: for tests that
// restart the server or need password authentication. Without the
// server's programs it skips t with one line (fails it under
// ATMSHOP_REQUIRE_PG=1).
func Own(t testing.TB, o Options) *Cluster {
	t.Helper()
	c, err := Start(o)
	if err != nil {
		msg := "no PostgreSQL cluster of the test's own: " + err.Error()
		if os.Getenv("ATMSHOP_REQUIRE_PG") == "1" {
			t.Fatal(msg + " (ATMSHOP_REQUIRE_PG=1)")
		}
		t.Skip(msg)
	}
	t.Cleanup(c.Stop)
	return c
}

// Database creates a new empty database on c and returns its DSN.
func (c *Cluster) Database(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("atmshop_test_%d_%d", os.Getpid(), counter.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return strings.Replace(c.DSN, "dbname=postgres", "dbname="+name, 1)
}
