package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"atmshop/core/pgstore/pgtest"
)

// TestPostgresUnavailableAtStart: a wrong password, a missing database or
// no server at all stop the program before the welcome with one line
// naming the host and database, never the password, and nothing is
// written anywhere.
func TestPostgresUnavailableAtStart(t *testing.T) {
	const password = "r1ght-Pw"
	c := pgtest.Own(t, pgtest.Options{Password: password})
	nowhere := t.TempDir() // no server listens here
	for _, tc := range []struct {
		name, dsn, host, database string
	}{
		{"wrong password", "host=" + c.Socket + " user=" + c.User + " dbname=postgres password=wr0ng-Pw", c.Socket, "postgres"},
		{"missing database", "host=" + c.Socket + " user=" + c.User + " dbname=nosuchbank password=" + password, c.Socket, "nosuchbank"},
		{"no server on the socket", "host=" + nowhere + " user=atm dbname=bank password=s3cret-Pw", nowhere, "bank"},
		{"no server on the port", "host=127.0.0.1 port=1 user=atm dbname=bank password=s3cret-Pw connect_timeout=5", "127.0.0.1", "bank"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			sb.setDSN(tc.dsn)
			r := sb.run("alice\nalice-pw\nq\n")
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if r.code != 1 || r.stdout != "" || len(lines) != 1 {
				t.Fatalf("%s, stdout %q, stderr %q; want status 1, no output and one line on stderr", r.state, r.stdout, r.stderr)
			}
			msg := lines[0]
			t.Logf("stderr: %s", msg)
			if !strings.HasPrefix(msg, "atmshop: ") || !strings.Contains(msg, "host "+tc.host) || !strings.Contains(msg, "database "+tc.database) {
				t.Errorf("%q: want the program, host %s and database %s named", msg, tc.host, tc.database)
			}
			for _, secret := range []string{password, "wr0ng-Pw", "s3cret-Pw"} {
				if strings.Contains(msg, secret) {
					t.Errorf("%q shows a password", msg)
				}
			}
			if entries, _ := os.ReadDir(sb.path("db")); len(entries) != 0 {
				t.Errorf("db/ holds %d entries: the files store was used", len(entries))
			}
		})
	}
	// Nothing was created in the server's database by the refused starts.
	conn, err := pgx.Connect(context.Background(), c.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var tables int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("%d tables in postgres, %v; want none", tables, err)
	}
}

// TestPostgresRestartInASession: the server restarts (pg_ctl restart, as
// an operator would) while the program waits between two transfers; the
// second transfer goes through on a new connection and each is stored
// once. The cluster asks for a password, as a production one does.
func TestPostgresRestartInASession(t *testing.T) {
	const password = "r1ght-Pw"
	c := pgtest.Own(t, pgtest.Options{Password: password})
	dsn := c.Database(t)
	sb := newSandbox(t)
	sb.setDSN(dsn)

	cmd, stdin, stdout, stderr := sb.start()
	defer cmd.Process.Kill()
	out := bufio.NewReader(stdout)
	// waitFor reads the output up to text, failing after a while.
	waitFor := func(text string) string {
		t.Helper()
		got := make(chan string, 1)
		go func() {
			var b strings.Builder
			buf := make([]byte, 1)
			for !strings.Contains(b.String(), text) {
				if _, err := out.Read(buf); err != nil {
					break
				}
				b.Write(buf)
			}
			got <- b.String()
		}()
		select {
		case s := <-got:
			if !strings.Contains(s, text) {
				t.Fatalf("output %q, stderr %q: want %q", s, stderr.String(), text)
			}
			return s
		case <-time.After(60 * time.Second):
			t.Fatalf("no %q after a minute; stderr %q", text, stderr.String())
			return ""
		}
	}
	send := func(lines ...string) {
		t.Helper()
		if _, err := io.WriteString(stdin, strings.Join(lines, "\n")+"\n"); err != nil {
			t.Fatal(err)
		}
	}

	send("alice", "alice-pw", "3", "bob", "1.25", "y")
	waitFor("Transferred 1.25 to bob")
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	send("3", "bob", "2.50", "y")
	s := waitFor("choice> ")
	s += waitFor("choice> ")
	if !strings.Contains(s, "Transferred 2.50 to bob") {
		t.Errorf("after the restart: %q; want the transfer done", s)
	}
	send("q")
	if err := cmd.Wait(); err != nil || stderr.Len() != 0 {
		t.Errorf("exit: %v, stderr %q", err, stderr.String())
	}

	bk := sb.books()
	var outs []int64
	for _, e := range bk.ledgers["alice"] {
		if e.Kind == "transfer_out" {
			outs = append(outs, *e.Amount)
		}
	}
	if len(outs) != 2 || outs[0] != -125 || outs[1] != -250 {
		t.Errorf("alice's transfers out: %v; want -125 and -250, once each", outs)
	}
	if b := *bk.accounts["bob"].Balance; b != 5000+375 {
		t.Errorf("bob's balance %d fen, want 5375", b)
	}
}
