package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/core/pgstore"
	"atmshop/core/pgstore/pgtest"
)

// posting is a write transaction of one entry and its account, run by
// fn's callers; postings counts the entries stored.
func posting(n int) func(tx core.Tx) error {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	return func(tx core.Tx) error {
		a, err := tx.Account("alice")
		if errors.Is(err, core.ErrNoAccount) {
			a, err = &core.Account{Name: "alice", PasswordHash: "x"}, nil
		}
		if err != nil {
			return err
		}
		e := core.Entry{ID: fmt.Sprintf("e-%d", n), Ref: fmt.Sprintf("r-%d", n), Time: at, Kind: core.KindRepayment, Amount: 1, BalanceAfter: a.Balance + 1}
		if err := tx.AppendEntries("alice", core.MonthOf(at), e); err != nil {
			return err
		}
		a.Balance++
		return tx.SaveAccount(a)
	}
}

func postings(t *testing.T, s *pgstore.Store) (entries, balance int) {
	t.Helper()
	err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM entries), coalesce((SELECT balance FROM accounts WHERE name = 'alice'), 0)`).Scan(&entries, &balance)
	if err != nil {
		t.Fatal(err)
	}
	return entries, balance
}

// TestServerRestart: a restart between two transactions, or in the middle
// of one, costs the transaction one retry on a new connection; a
// transaction cut by a restart at every try is reported after the second,
// naming host and database, with nothing of it stored.
func TestServerRestart(t *testing.T) {
	c := pgtest.Own(t, pgtest.Options{})
	s, err := pgstore.Open(ctx, c.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	restart := func() {
		t.Helper()
		if err := c.Restart(); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.Update(ctx, posting(1)); err != nil {
		t.Fatal(err)
	}
	restart()
	if err := s.Update(ctx, posting(2)); err != nil {
		t.Errorf("the first transaction after a restart: %v; want it done on a new connection", err)
	}

	tries := 0
	err = s.Update(ctx, func(tx core.Tx) error {
		tries++
		if _, err := tx.Account("alice"); err != nil {
			return err
		}
		if tries == 1 {
			restart() // between two statements of the transaction
		}
		return posting(3)(tx)
	})
	if err != nil || tries != 2 {
		t.Errorf("a restart inside a transaction: %v after %d tries; want nil after 2", err, tries)
	}
	if n, bal := postings(t, s); n != 3 || bal != 3 {
		t.Fatalf("%d entries, balance %d; want 3 and 3", n, bal)
	}

	tries = 0
	err = s.Update(ctx, func(tx core.Tx) error {
		tries++
		if _, err := tx.Account("alice"); err != nil {
			return err
		}
		restart()
		return posting(4)(tx)
	})
	if err == nil || tries != 2 {
		t.Errorf("a restart inside every try: %v after %d tries; want an error after 2", err, tries)
	} else if msg := err.Error(); !strings.Contains(msg, "host "+c.Socket) || !strings.Contains(msg, "database atmshop_test_") {
		t.Errorf("error %q: want the host and database named", msg)
	}
	if n, bal := postings(t, s); n != 3 || bal != 3 {
		t.Errorf("%d entries, balance %d; want 3 and 3: nothing of the failed transaction", n, bal)
	}
}

// TestLostCommitReply: the connection drops after COMMIT was sent. If the
// server committed, Update reports it done (it looked the transaction up)
// and does not run it again; if COMMIT never arrived, the transaction is
// retried once. Either way it is stored exactly once.
func TestLostCommitReply(t *testing.T) {
	s, p, _ := throughCutter(t)
	for i, tc := range []struct {
		name      string
		deliver   bool // the COMMIT reaches the server
		wantTries int
	}{
		{"the reply to COMMIT is lost", true, 1},
		{"COMMIT is lost on the way", false, 2},
	} {
		tries := 0
		err := s.Update(ctx, func(tx core.Tx) error {
			tries++
			if err := posting(i + 2)(tx); err != nil {
				return err
			}
			if tries == 1 {
				p.cutNext(tc.deliver) // the next thing sent is the COMMIT
			}
			return nil
		})
		if err != nil || tries != tc.wantTries {
			t.Errorf("%s: %v after %d tries; want nil after %d", tc.name, err, tries, tc.wantTries)
		}
		if got := p.cuts.Load(); got != int64(i+1) {
			t.Fatalf("%s: the proxy cut %d connections, want %d: the test did not test it", tc.name, got, i+1)
		}
		if n, bal := postings(t, s); n != i+2 || bal != i+2 {
			t.Errorf("%s: %d entries, balance %d; want %d: stored exactly once", tc.name, n, bal, i+2)
		}
	}
}

// TestLostCommitReplyUnknownOutcome: the reply to COMMIT is lost and the
// server cannot be reached to ask what became of the transaction. Update
// says the outcome is unknown and does not run the transaction again,
// which, here, was applied.
func TestLostCommitReplyUnknownOutcome(t *testing.T) {
	defer pgstore.SetOutcomeWait(time.Second)()
	s, p, dsn := throughCutter(t)
	tries := 0
	err := s.Update(ctx, func(tx core.Tx) error {
		tries++
		if err := posting(2)(tx); err != nil {
			return err
		}
		p.refuse.Store(true)
		p.cutNext(true)
		return nil
	})
	if !errors.Is(err, core.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "outcome could not be looked up") || tries != 1 {
		t.Errorf("Update: %v after %d tries; want the outcome reported unknown after 1", err, tries)
	}
	direct, err := pgstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if n, bal := postings(t, direct); n != 2 || bal != 2 {
		t.Errorf("%d entries, balance %d; want 2 and 2: applied once, by the one try", n, bal)
	}
}

// TestViewLostCommitReply: the reply to a read-only transaction's COMMIT
// is lost. A read changed nothing, so there is no outcome to look up or
// to report unknown: it is retried once, like any cut transaction.
func TestViewLostCommitReply(t *testing.T) {
	s, p, _ := throughCutter(t)
	tries := 0
	var balance core.Money
	err := s.View(ctx, func(tx core.Tx) error {
		tries++
		a, err := tx.Account("alice")
		if err != nil {
			return err
		}
		balance = a.Balance
		if tries == 1 {
			p.cutNext(true) // the next thing sent is the COMMIT
		}
		return nil
	})
	if p.cuts.Load() != 1 {
		t.Fatalf("the proxy cut %d connections, want 1: the test did not test it", p.cuts.Load())
	}
	if err != nil || tries != 2 || balance != 1 {
		t.Errorf("View: %v after %d tries, balance %s; want nil after 2, balance 0.01", err, tries, balance)
	}
}

// TestCancelAfterCommitSent: the caller's context is cancelled while
// COMMIT is on its way. The store settles it as a lost reply: done if the
// server committed, failed with the cancellation if not, and stored once
// either way.
func TestCancelAfterCommitSent(t *testing.T) {
	s, p, _ := throughCutter(t)
	for i, tc := range []struct {
		name    string
		deliver bool // the COMMIT reaches the server
		want    error
	}{
		{"COMMIT reached the server", true, nil},
		{"COMMIT did not reach the server", false, context.Canceled},
	} {
		cctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-p.held:
				cancel() // as a person who gives up waiting
			case <-cctx.Done():
			}
		}()
		tries := 0
		err := s.Update(cctx, func(tx core.Tx) error {
			tries++
			if err := posting(i + 2)(tx); err != nil {
				return err
			}
			p.holdNext(tc.deliver) // the next thing sent is the COMMIT
			return nil
		})
		cancel()
		if got := p.cuts.Load(); got != int64(i+1) {
			t.Fatalf("%s: the proxy held %d connections, want %d: the test did not test it", tc.name, got, i+1)
		}
		if !errors.Is(err, tc.want) || tries != 1 {
			t.Errorf("%s: %v after %d tries; want %v after 1", tc.name, err, tries, tc.want)
		}
		if n, bal := postings(t, s); n != 2 || bal != 2 {
			t.Errorf("%s: %d entries, balance %d; want 2 and 2", tc.name, n, bal)
		}
	}
}

// throughCutter opens a store on a cluster of its own through a cutter
// proxy, on TCP, and posts alice's first entry: the statements are
// prepared, so the next thing sent after a transaction's fn is its
// COMMIT. dsn is the cluster's own, not through the proxy.
func throughCutter(t *testing.T) (s *pgstore.Store, p *cutter, dsn string) {
	t.Helper()
	c := pgtest.Own(t, pgtest.Options{})
	dsn = c.Database(t)
	p = newCutter(t, filepath.Join(c.Socket, ".s.PGSQL.5432"))
	via := strings.Replace(dsn, "host="+c.Socket+" port=5432", fmt.Sprintf("host=127.0.0.1 port=%d sslmode=disable", p.port()), 1)
	s, err := pgstore.Open(ctx, via)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Update(ctx, posting(1)); err != nil {
		t.Fatal(err)
	}
	return s, p, dsn
}

// cutter is a proxy from TCP to the server's unix socket that can cut a
// connection after the client's next write: delivered to the server, or
// not, and the server's reply never delivered. Or it can hold the
// connection there, open but silent, until the client gives up.
type cutter struct {
	ln     net.Listener
	mu     sync.Mutex
	arm    bool // cut after the next client write
	pass   bool // and deliver that write first
	hold   bool // hold the connection instead of cutting it
	cuts   atomic.Int64
	held   chan struct{} // a connection is held
	refuse atomic.Bool   // close new connections at once: the server is unreachable
}

func newCutter(t *testing.T, socket string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutter{ln: ln, held: make(chan struct{}, 1)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			if p.refuse.Load() {
				client.Close()
				continue
			}
			server, err := net.Dial("unix", socket)
			if err != nil {
				client.Close()
				continue
			}
			go p.serve(client, server)
		}
	}()
	return p
}

func (p *cutter) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *cutter) cutNext(deliver bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.arm, p.pass, p.hold = true, deliver, false
}

// holdNext is cutNext, but the connection stays open, the server's
// replies dropped, and held says so.
func (p *cutter) holdNext(deliver bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.arm, p.pass, p.hold = true, deliver, true
}

func (p *cutter) serve(client, server net.Conn) {
	var muted atomic.Bool // the server's replies are dropped
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 && !muted.Load() {
				if _, err := client.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				client.Close()
				return
			}
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			p.mu.Lock()
			cut, pass, hold := p.arm, p.pass, p.hold
			p.arm = false
			p.mu.Unlock()
			if cut {
				muted.Store(true)
				if pass {
					_, _ = server.Write(buf[:n])
					time.Sleep(300 * time.Millisecond) // the server commits
				}
				p.cuts.Add(1)
				if !hold {
					client.Close()
					server.Close()
					return
				}
				p.held <- struct{}{}
			} else if _, err := server.Write(buf[:n]); err != nil {
				client.Close()
				return
			}
		}
		if err != nil {
			server.Close()
			return
		}
	}
}
