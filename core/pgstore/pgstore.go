// Package pgstore is an adapter of core's storage port on PostgreSQL, for
// a bank whose terminals run on several machines.
//
// The schema is real tables (schema/*.sql, embedded in the binary and
// applied at Open under an advisory lock, recorded in schema_version): a
// dozen lines of our own rather than a migration library, as there is one
// schema and it only moves forward.
//
// Update runs SERIALIZABLE and retries a serialization failure or deadlock
// (40001, 40P01) a bounded number of times with jittered backoff. Locking
// rows by name in a fixed order would need the set of accounts before fn
// runs, which the port does not give; SERIALIZABLE keeps fn free to read
// whatever it needs. fn may run more than once: the rules re-read
// everything inside it, and ids and refs are made before the first try.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"atmshop/core"
)

//go:embed schema/*.sql
var schemaFS embed.FS

// maxAttempts bounds the tries of one Update under contention.
const maxAttempts = 100

// Store is a core.Store on a PostgreSQL database.
type Store struct {
	pool  *pgxpool.Pool
	where string // host and database, for messages; never the password
}

// Open connects to the database dsn names (libpq keyword/value or URL;
// empty: the PG* environment variables) and creates or migrates its
// schema. Its errors name the host and database, never the password.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres: the dsn cannot be read (check [storage] dsn)")
	}
	where := fmt.Sprintf("host %s database %s", cfg.ConnConfig.Host, cfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: %s", where, safeMessage(err))
	}
	s := &Store{pool: pool, where: where}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres at %s: %s", where, safeMessage(err))
	}
	return s, nil
}

// safeMessage is err's text with any password the server or driver echoed
// taken out.
func safeMessage(err error) string {
	msg := err.Error()
	for _, key := range []string{"password=", "password:"} {
		if i := strings.Index(msg, key); i >= 0 {
			j := strings.IndexAny(msg[i+len(key):], " @")
			if j < 0 {
				return msg[:i] + key + "xxxxx"
			}
			msg = msg[:i] + key + "xxxxx" + msg[i+len(key)+j:]
		}
	}
	return msg
}

// Close closes the connections.
func (s *Store) Close() { s.pool.Close() }

// Pool is the connection pool, for tests and tools.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// SchemaVersion is the newest schema this program knows.
func SchemaVersion() int {
	files, _ := fs.Glob(schemaFS, "schema/*.sql")
	return len(files)
}

func (s *Store) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One migrator at a time, whatever the machine.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(8032471913)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&have); err != nil {
			return err
		}
		files, err := fs.Glob(schemaFS, "schema/*.sql")
		if err != nil {
			return err
		}
		slices.Sort(files)
		if have > len(files) {
			return fmt.Errorf("the schema is version %d, newer than this program's %d", have, len(files))
		}
		for i, f := range files[have:] {
			sql, err := schemaFS.ReadFile(f)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return fmt.Errorf("schema %s: %w", f, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version VALUES ($1)`, have+i+1); err != nil {
				return err
			}
		}
		return nil
	})
}

// Update runs fn in a SERIALIZABLE transaction, retried on a
// serialization failure or deadlock.
func (s *Store) Update(ctx context.Context, fn func(core.Tx) error) error {
	return s.run(ctx, pgx.ReadWrite, fn)
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(core.Tx) error) error {
	return s.run(ctx, pgx.ReadOnly, fn)
}

func (s *Store) run(ctx context.Context, mode pgx.TxAccessMode, fn func(core.Tx) error) error {
	backoff := time.Millisecond
	connRetried := false
	for attempt := 1; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.Serializable, AccessMode: mode}, func(t pgx.Tx) error {
			return fn(&tx{ctx: ctx, tx: t})
		})
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return s.mapErr(err)
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			// A lost connection is retried once, then reported.
			if connRetried {
				return fmt.Errorf("postgres at %s: %w", s.where, err)
			}
			connRetried = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff/2 + rand.N(backoff)):
		}
		backoff = min(2*backoff, 50*time.Millisecond)
	}
}

// retryable: the server refused the transaction for a conflict (it kept
// nothing), or the connection failed before anything was sent (a server
// restart seen by a pooled connection).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return pgconn.SafeToRetry(err)
}

// mapErr turns the server's errors into the port's.
func (s *Store) mapErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "55P03", "57014", "40001", "40P01":
			return fmt.Errorf("%w (postgres at %s: %s)", core.ErrBusy, s.where, pe.Message)
		}
	}
	return err
}

type tx struct {
	ctx context.Context
	tx  pgx.Tx
}

func monthKey(m core.Month) int { return m.Year*12 + int(m.Month) - 1 }

func corrupt(what string, err error) error {
	return fmt.Errorf("%w postgres %s: %v", core.ErrCorrupt, what, err)
}

const accountCols = `name, password_hash, balance, credit_limit, admin, frozen, failed_logins, locked_until, created, updated, language, bills, booked_through`

// bill is the JSON form of a core.Bill in accounts.bills.
type bill struct {
	Date    time.Time  `json:"date"`
	Owed    core.Money `json:"owed_fen"`
	Minimum core.Money `json:"minimum_fen"`
	Due     time.Time  `json:"due"`
	Paid    core.Money `json:"paid_fen"`
}

func (t *tx) Account(name string) (*core.Account, error) {
	var a core.Account
	var bills []bill
	var booked *time.Time
	err := t.tx.QueryRow(t.ctx, `SELECT `+accountCols+` FROM accounts WHERE name = $1`, name).Scan(
		&a.Name, &a.PasswordHash, &a.Balance, &a.CreditLimit, &a.Admin, &a.Frozen, &a.FailedLogins, &a.LockedUntil, &a.Created, &a.Updated, &a.Language, &bills, &booked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.ErrNoAccount
	}
	if err != nil {
		return nil, err
	}
	for _, b := range bills {
		a.Bills = append(a.Bills, core.Bill(b))
	}
	if booked != nil {
		a.BookedThrough = *booked
	}
	if err := a.Check(name); err != nil {
		return nil, corrupt("account "+name, err)
	}
	return &a, nil
}

func (t *tx) HasAccount(name string) (bool, error) {
	var ok bool
	err := t.tx.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE name = $1)`, name).Scan(&ok)
	return ok, err
}

func (t *tx) SaveAccount(a *core.Account) error {
	if err := core.CheckAccountName(a.Name); err != nil {
		return err
	}
	bills := make([]bill, len(a.Bills))
	for i, b := range a.Bills {
		bills[i] = bill(b)
	}
	var booked *time.Time
	if !a.BookedThrough.IsZero() {
		booked = &a.BookedThrough
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO accounts (`+accountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (name) DO UPDATE SET password_hash = $2, balance = $3, credit_limit = $4, admin = $5, frozen = $6,
		failed_logins = $7, locked_until = $8, created = $9, updated = $10, language = $11, bills = $12, booked_through = $13`,
		a.Name, a.PasswordHash, int64(a.Balance), int64(a.CreditLimit), a.Admin, a.Frozen, a.FailedLogins, a.LockedUntil, a.Created, a.Updated, string(a.Language), bills, booked)
	return err
}

func (t *tx) AccountNames(after string, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT name FROM accounts WHERE name > $1 ORDER BY name LIMIT $2`, after, limit)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if len(names) == 0 {
		names = nil
	}
	return names, err
}

const entryCols = `id, ref, at, kind, counterparty, amount, balance_after, note`

func scanEntries(what string, rows pgx.Rows) ([]core.Entry, error) {
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (core.Entry, error) {
		var e core.Entry
		err := r.Scan(&e.ID, &e.Ref, &e.Time, &e.Kind, &e.Counterparty, &e.Amount, &e.BalanceAfter, &e.Note)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	for i := range entries {
		if err := entries[i].Check(); err != nil {
			return nil, corrupt(what+" entry "+entries[i].ID, err)
		}
	}
	return entries, nil
}

func (t *tx) LastEntry(name string) (*core.Entry, error) {
	rows, _ := t.tx.Query(t.ctx, `SELECT `+entryCols+` FROM entries WHERE account = $1 ORDER BY month DESC, seq DESC LIMIT 1`, name)
	es, err := scanEntries("ledger "+name, rows)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	return &es[0], nil
}

func (t *tx) AppendEntries(name string, month core.Month, entries ...core.Entry) error {
	prev, err := t.LastEntry(name)
	if err != nil {
		return err
	}
	if len(entries) > 0 && prev != nil {
		var last int
		if err := t.tx.QueryRow(t.ctx, `SELECT max(month) FROM entries WHERE account = $1`, name).Scan(&last); err != nil {
			return err
		}
		if monthKey(month) < last {
			return corrupt("ledger "+name, fmt.Errorf("entries for %s after the ledger's later month", month))
		}
	}
	for _, e := range entries {
		if prev != nil && prev.BalanceAfter != e.BalanceAfter-e.Amount {
			return corrupt("ledger "+name, fmt.Errorf("the last entry leaves the balance at %s but the account holds %s", prev.BalanceAfter, e.BalanceAfter-e.Amount))
		}
		prev = &e
	}
	// Reading the ids first lets SERIALIZABLE report a concurrent insert
	// of the same id as a serialization failure (retried), not as a
	// unique violation.
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	var taken bool
	if err := t.tx.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM entries WHERE id = ANY($1))`, ids).Scan(&taken); err != nil {
		return err
	}
	if taken {
		return corrupt("ledger "+name, fmt.Errorf("an entry id of %v is already stored", ids))
	}
	for _, e := range entries {
		_, err := t.tx.Exec(t.ctx, `INSERT INTO entries (account, month, `+entryCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			name, monthKey(month), e.ID, e.Ref, e.Time, e.Kind, e.Counterparty, int64(e.Amount), int64(e.BalanceAfter), e.Note)
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) MonthEntries(name string, month core.Month) ([]core.Entry, error) {
	rows, _ := t.tx.Query(t.ctx, `SELECT `+entryCols+` FROM entries WHERE account = $1 AND month = $2 ORDER BY seq`, name, monthKey(month))
	return scanEntries("ledger "+name+" "+month.String(), rows)
}

func (t *tx) BalanceBefore(name string, month core.Month) (core.Money, error) {
	rows, _ := t.tx.Query(t.ctx, `SELECT `+entryCols+` FROM entries WHERE account = $1 AND month < $2 ORDER BY month DESC, seq DESC LIMIT 1`, name, monthKey(month))
	es, err := scanEntries("ledger "+name, rows)
	if err != nil || len(es) == 0 {
		return 0, err
	}
	return es[0].BalanceAfter, nil
}

// FindRef looks in the latest two months with entries whatever deep says:
// the index on (account, ref) makes that cheap.
func (t *tx) FindRef(name, ref string, deep bool) (*core.Entry, error) {
	rows, _ := t.tx.Query(t.ctx, `SELECT `+entryCols+` FROM entries WHERE account = $1 AND ref = $2
		AND month >= (SELECT coalesce(min(m), 0) FROM (SELECT DISTINCT month AS m FROM entries WHERE account = $1 ORDER BY month DESC LIMIT 2) AS latest)
		ORDER BY seq LIMIT 1`, name, ref)
	es, err := scanEntries("ledger "+name, rows)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	return &es[0], nil
}

func (t *tx) AppendOrder(name string, o core.Order) error {
	var seq int64
	var taken bool
	if err := t.tx.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM orders WHERE account = $1 AND id = $2)`, name, o.ID).Scan(&taken); err != nil {
		return err
	}
	if taken {
		return fmt.Errorf("postgres: %s already has an order %s", name, o.ID)
	}
	err := t.tx.QueryRow(t.ctx, `INSERT INTO orders (account, id, at, total) VALUES ($1, $2, $3, $4) RETURNING seq`,
		name, o.ID, o.Time, int64(o.Total)).Scan(&seq)
	if err != nil {
		return err
	}
	for i, l := range o.Lines {
		if _, err := t.tx.Exec(t.ctx, `INSERT INTO order_lines (order_seq, line, item, price, quantity) VALUES ($1, $2, $3, $4, $5)`,
			seq, i, l.Item, int64(l.Price), l.Quantity); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) orders(name, id string) ([]core.Order, error) {
	rows, _ := t.tx.Query(t.ctx, `SELECT o.seq, o.id, o.at, o.total, l.item, l.price, l.quantity
		FROM orders o LEFT JOIN order_lines l ON l.order_seq = o.seq
		WHERE o.account = $1 AND ($2 = '' OR o.id = $2) ORDER BY o.seq, l.line`, name, id)
	defer rows.Close()
	var orders []core.Order
	var lastSeq int64 = -1
	for rows.Next() {
		var seq int64
		var o core.Order
		var item *string
		var price *int64
		var qty *int
		if err := rows.Scan(&seq, &o.ID, &o.Time, &o.Total, &item, &price, &qty); err != nil {
			return nil, err
		}
		if seq != lastSeq {
			orders = append(orders, o)
			lastSeq = seq
		}
		if item != nil && price != nil && qty != nil {
			cur := &orders[len(orders)-1]
			cur.Lines = append(cur.Lines, core.CartLine{Item: *item, Price: core.Money(*price), Quantity: *qty})
		}
	}
	return orders, rows.Err()
}

func (t *tx) Orders(name string) ([]core.Order, error) { return t.orders(name, "") }

func (t *tx) Order(name, id string) (*core.Order, error) {
	if id == "" {
		return nil, core.ErrNoOrder
	}
	orders, err := t.orders(name, id)
	if err != nil {
		return nil, err
	}
	if len(orders) == 0 {
		return nil, core.ErrNoOrder
	}
	return &orders[len(orders)-1], nil
}

func (t *tx) BankSettings() (core.BankSettings, error) {
	var s core.BankSettings
	err := t.tx.QueryRow(t.ctx, `SELECT time_zone FROM bank_settings`).Scan(&s.TimeZone)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, core.ErrNoSettings
	}
	if err != nil {
		return s, err
	}
	if s.TimeZone == "" {
		return s, corrupt("bank settings", errors.New("time_zone is empty"))
	}
	return s, nil
}

func (t *tx) SaveBankSettings(s core.BankSettings) error {
	_, err := t.tx.Exec(t.ctx, `INSERT INTO bank_settings (time_zone) VALUES ($1) ON CONFLICT (one) DO UPDATE SET time_zone = $1`, s.TimeZone)
	return err
}
