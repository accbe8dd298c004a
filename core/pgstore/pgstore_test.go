package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"atmshop/core"
	"atmshop/core/pgstore"
	"atmshop/core/pgstore/pgtest"
	"atmshop/core/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

func open(t *testing.T) *pgstore.Store {
	t.Helper()
	dsn := pgtest.DSN(t)
	s, err := pgstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func exec(t *testing.T, s *pgstore.Store, sql string, args ...any) {
	t.Helper()
	if _, err := s.Pool().Exec(ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		s := open(t)
		// Damage is done behind the store's back, as a hand edit would:
		// values the program never writes.
		return storetest.Harness{
			Store:         s,
			DamageAccount: func(name string) { exec(t, s, `UPDATE accounts SET password_hash = '' WHERE name = $1`, name) },
			DamageLedger: func(name string, m core.Month) {
				exec(t, s, `UPDATE entries SET amount = 9223372036854775807 WHERE seq = (SELECT max(seq) FROM entries WHERE account = $1 AND month = $2)`,
					name, m.Year*12+int(m.Month)-1)
			},
			DamageSettings: func() { exec(t, s, `UPDATE bank_settings SET time_zone = ''`) },
		}
	})
}

func TestSchemaVersion(t *testing.T) {
	s := open(t)
	var got int
	if err := s.Pool().QueryRow(ctx, `SELECT max(version) FROM schema_version`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := pgstore.SchemaVersion(); got != want || want < 1 {
		t.Errorf("schema_version = %d, want %d", got, want)
	}
	// Opening again migrates nothing and fails nothing.
	s2, err := pgstore.Open(ctx, s.Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func TestRetriesSerializationFailure(t *testing.T) {
	s := open(t)
	tries := 0
	err := s.Update(ctx, func(tx core.Tx) error {
		tries++
		if tries == 1 {
			return &pgconn.PgError{Code: "40001", Message: "could not serialize access"}
		}
		return tx.SaveAccount(&core.Account{Name: "alice", PasswordHash: "x", CreditLimit: 10})
	})
	if err != nil || tries != 2 {
		t.Errorf("Update: %v after %d tries; want nil after 2", err, tries)
	}
}

func TestCheckRefusesBalancePastLimit(t *testing.T) {
	s := open(t)
	err := s.Update(ctx, func(tx core.Tx) error {
		return tx.SaveAccount(&core.Account{Name: "alice", PasswordHash: "x", Balance: -101, CreditLimit: 100})
	})
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.ConstraintName != "balance_within_credit" {
		t.Errorf("saving a balance past the credit limit: %v; want the CHECK to refuse it", err)
	}
}

// TestConcurrentTransfers: clients on separate pools move money around a
// ring of accounts; the total stays what it was and every ledger chains.
func TestConcurrentTransfers(t *testing.T) {
	s := open(t)
	dsn := s.Pool().Config().ConnString()
	const accounts, clients, rounds = 4, 6, 15
	names := make([]string, accounts)
	if err := s.Update(ctx, func(tx core.Tx) error {
		for i := range names {
			names[i] = fmt.Sprintf("user%d", i)
			if err := tx.SaveAccount(&core.Account{Name: names[i], PasswordHash: "x", Balance: 1000, CreditLimit: 0}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients*rounds)
	for c := range clients {
		wg.Go(func() {
			client, err := pgstore.Open(ctx, dsn)
			if err != nil {
				errs <- err
				return
			}
			defer client.Close()
			for r := range rounds {
				from, to := names[(c+r)%accounts], names[(c+r+1)%accounts]
				errs <- transfer(ctx, client, from, to, 7)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var total int64
	if err := s.Pool().QueryRow(ctx, `SELECT sum(balance) FROM accounts`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != accounts*1000 {
		t.Errorf("total %d, want %d", total, accounts*1000)
	}
}

var ids atomic.Int64

// transfer moves amount from one account to another, with a ledger entry
// on each; the ids are made before the first try, as the rules do.
func transfer(ctx context.Context, s core.Store, from, to string, amount core.Money) error {
	ref := fmt.Sprintf("t-%d", ids.Add(1))
	legs := []struct {
		name, id string
		amount   core.Money
	}{{from, ref + "-out", -amount}, {to, ref + "-in", amount}}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	return s.Update(ctx, func(tx core.Tx) error {
		for _, leg := range legs {
			a, err := tx.Account(leg.name)
			if err != nil {
				return err
			}
			a.Balance += leg.amount
			if err := tx.AppendEntries(leg.name, core.MonthOf(now), core.Entry{ID: leg.id, Ref: ref, Time: now, Kind: core.KindTransferIn, Amount: leg.amount, BalanceAfter: a.Balance}); err != nil {
				return err
			}
			if err := tx.SaveAccount(a); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestOpenErrorNamesHostNotPassword(t *testing.T) {
	dir := t.TempDir() // no server listens here
	for _, dsn := range []string{
		"host=" + dir + " dbname=bank user=atm password=s3cret connect_timeout=5",
		"postgres://atm:s3cret@/bank?host=" + dir + "&connect_timeout=5",
	} {
		_, err := pgstore.Open(ctx, dsn)
		if err == nil {
			t.Fatal("Open with no server: no error")
		}
		msg := err.Error()
		if !strings.Contains(msg, dir) || !strings.Contains(msg, "database bank") || strings.Contains(msg, "s3cret") {
			t.Errorf("error %q: want the host and database named and no password", msg)
		}
	}
}

// TestConstraints: what the rules always do, the database holds every
// writer to: entries and orders belong to an account, and one event posts
// at most one entry of a kind to an account.
func TestConstraints(t *testing.T) {
	s := open(t)
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	nov := core.MonthOf(at)
	entry := func(id, ref string, amount, after core.Money) core.Entry {
		return core.Entry{ID: id, Ref: ref, Time: at, Kind: core.KindRepayment, Amount: amount, BalanceAfter: after}
	}
	// The rules' order: the opening entry, then the account, in one
	// transaction. The foreign keys are checked at COMMIT.
	if err := s.Update(ctx, func(tx core.Tx) error {
		if err := tx.AppendEntries("alice", nov, entry("e-1", "o-1", 100, 100)); err != nil {
			return err
		}
		return tx.SaveAccount(&core.Account{Name: "alice", PasswordHash: "x", Balance: 100})
	}); err != nil {
		t.Fatalf("an account and its first entry in one transaction: %v", err)
	}
	for _, tc := range []struct {
		name, constraint string
		fn               func(tx core.Tx) error
	}{
		{"an entry for no account", "entries_account_fkey", func(tx core.Tx) error {
			return tx.AppendEntries("ghost", nov, entry("e-2", "r-2", 1, 1))
		}},
		{"an order for no account", "orders_account_fkey", func(tx core.Tx) error {
			return tx.AppendOrder("ghost", core.Order{ID: "p-1", Time: at, Total: 1})
		}},
		{"a second posting of a ref and kind", "one_posting", func(tx core.Tx) error {
			return tx.AppendEntries("alice", nov, entry("e-3", "o-1", 1, 101))
		}},
	} {
		err := s.Update(ctx, tc.fn)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.ConstraintName != tc.constraint {
			t.Errorf("%s: %v; want %s to refuse it", tc.name, err, tc.constraint)
		}
	}
	var n int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM orders)`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d entries and orders, %v; want the opening entry only", n, err)
	}
}

// TestMigrateFromVersion1: a database written before the constraints
// gets them, with its rows; one that breaks them (a hand edit) is left at
// version 1, unchanged, with a message naming the row in the way.
func TestMigrateFromVersion1(t *testing.T) {
	v1, err := os.ReadFile("schema/001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	setUp := func(t *testing.T, rows string) string {
		dsn := pgtest.DSN(t)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		sql := string(v1) + `;
			CREATE TABLE schema_version (version integer NOT NULL);
			INSERT INTO schema_version VALUES (1);
			INSERT INTO accounts VALUES ('alice', 'x', 70, 0, false, false, 0, now(), now(), now());
			INSERT INTO entries (id, account, month, ref, at, kind, counterparty, amount, balance_after, note) VALUES
				('e-1', 'alice', 24322, 'w-1', now(), 'withdrawal', '', -20, 80, ''),
				('e-2', 'alice', 24322, 'w-1', now(), 'fee', '', -10, 70, '');
			INSERT INTO orders (account, id, at, total) VALUES ('alice', 'p-1', now(), 0);` + rows
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
		return dsn
	}
	count := func(t *testing.T, dsn, sql string) int {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("rows the rules wrote", func(t *testing.T) {
		dsn := setUp(t, "")
		s, err := pgstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := count(t, dsn, `SELECT max(version) FROM schema_version`); got != pgstore.SchemaVersion() {
			t.Errorf("schema version %d, want %d", got, pgstore.SchemaVersion())
		}
		if got := count(t, dsn, `SELECT (SELECT count(*) FROM entries) * 10 + (SELECT count(*) FROM orders)`); got != 21 {
			t.Errorf("entries*10 + orders = %d, want 21: the rows kept", got)
		}
		if got := count(t, dsn, `SELECT count(*) FROM pg_constraint WHERE conname IN ('entries_account_fkey', 'orders_account_fkey', 'one_posting')`); got != 3 {
			t.Errorf("%d of the 3 constraints, want all", got)
		}
	})
	t.Run("an entry for no account", func(t *testing.T) {
		dsn := setUp(t, `INSERT INTO entries (id, account, month, ref, at, kind, counterparty, amount, balance_after, note) VALUES
				('e-3', 'ghost', 24322, 'r-3', now(), 'repayment', '', 5, 5, '');`)
		_, err := pgstore.Open(ctx, dsn)
		if err == nil || !strings.Contains(err.Error(), "(ghost)") {
			t.Errorf("Open: %v; want the migration refused, naming ghost", err)
		}
		if got := count(t, dsn, `SELECT max(version) * 100 + (SELECT count(*) FROM entries) FROM schema_version`); got != 103 {
			t.Errorf("version*100 + entries = %d, want 103: version 1, nothing changed", got)
		}
	})
}

// TestConflictsKeepConnections: a transaction refused for a conflict is
// rolled back and its connection reused, not closed and opened again.
func TestConflictsKeepConnections(t *testing.T) {
	s := open(t)
	if err := s.Update(ctx, posting(0)); err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 4, 15
	var wg sync.WaitGroup
	var tries atomic.Int64
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				err := s.Update(ctx, func(tx core.Tx) error {
					tries.Add(1)
					return posting(1 + w*rounds + r)(tx)
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	conflicts := tries.Load() - workers*rounds
	if conflicts == 0 {
		t.Skip("no conflict happened: nothing to check")
	}
	if got := s.Pool().Stat().NewConnsCount(); got > workers+1 {
		t.Errorf("%d connections opened for %d workers and %d conflicts; want at most %d", got, workers, conflicts, workers+1)
	}
}
