// Package pgstore is an adapter of core's storage port on PostgreSQL, for
// a bank whose terminals run on several machines.
//
// The schema is real tables (schema/NNN_*.sql, embedded in the binary,
// numbered 1, 2, 3, … and applied at Open under an advisory lock, the
// newest version recorded in schema_version): a few dozen lines of our
// own rather than a migration library, as there is one schema and it only
// moves forward.
//
// Update runs SERIALIZABLE and retries a serialization failure or deadlock
// (40001, 40P01) a bounded number of times with jittered backoff. Locking
// rows by name in a fixed order would need the set of accounts before fn
// runs, which the port does not give; SERIALIZABLE keeps fn free to read
// whatever it needs. fn may run more than once: the rules re-read
// everything inside it, and ids and refs are made before the first try.
package pgstore

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
	if err := s.migrate(ctx, schemaFS); err != nil {
		pool.Close()
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("cannot connect to PostgreSQL at %s: %s (check [storage] dsn, and that the server runs)", where, connectReason(err))
		}
		return nil, fmt.Errorf("postgres at %s: %s", where, safeMessage(err))
	}
	return s, nil
}

// connectReason is why a connection failed, in a few words: the server's
// message (a wrong password, a missing database) or the system's (no
// server listening). pgx's own text repeats the user and database, and
// each address and TLS mode it tried, on several lines.
func connectReason(err error) string {
	var pe *pgconn.PgError
	var errno syscall.Errno
	var dns *net.DNSError
	switch {
	case errors.As(err, &pe):
		return pe.Message
	case errors.As(err, &errno):
		if errno == syscall.ECONNREFUSED || errno == syscall.ENOENT {
			return "no server answers there (" + errno.Error() + ")"
		}
		return errno.Error()
	case errors.As(err, &dns):
		return dns.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer in time"
	}
	return strings.ReplaceAll(safeMessage(err), "\n", "; ")
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

// SchemaVersion is the newest schema this program knows; 0 if its schema
// files are misnumbered, which Open refuses.
func SchemaVersion() int {
	ms, err := migrations(schemaFS)
	if err != nil {
		return 0
	}
	return ms[len(ms)-1].version
}

// migration is a schema file and its version: the number its name
// starts with (004_credit.sql is version 4).
type migration struct {
	version int
	file    string
}

// migrations are fsys's schema files in order of version. Their numbers
// must run 1, 2, 3, … with no gap and no duplicate: a database records
// the newest version it holds, so a file numbered at or below it is never
// applied there, and a gap may be filled later by a file that is never
// applied where the schema has moved past it.
func migrations(fsys fs.FS) ([]migration, error) {
	files, err := fs.Glob(fsys, "schema/*.sql")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no schema files")
	}
	ms := make([]migration, 0, len(files))
	for _, f := range files {
		number, _, _ := strings.Cut(path.Base(f), "_")
		v, err := strconv.Atoi(number)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("schema file %s: its name does not start with its version number (001_…)", f)
		}
		ms = append(ms, migration{version: v, file: f})
	}
	slices.SortStableFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i, m := range ms {
		switch {
		case i > 0 && m.version == ms[i-1].version:
			return nil, fmt.Errorf("schema files %s and %s are both version %d", ms[i-1].file, m.file, m.version)
		case m.version != i+1:
			return nil, fmt.Errorf("schema file %s is version %d, but there is no version %d", m.file, m.version, i+1)
		}
	}
	return ms, nil
}

// migrate brings the database's schema up to the newest of fsys's files:
// it applies, in order, every file whose version is above the one the
// database records, all in one transaction.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) error {
	ms, err := migrations(fsys)
	if err != nil {
		return err
	}
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
		if newest := ms[len(ms)-1].version; have > newest {
			return fmt.Errorf("the schema is version %d, newer than this program's %d", have, newest)
		}
		for _, m := range ms {
			if m.version <= have {
				continue // the database holds it
			}
			sql, err := fs.ReadFile(fsys, m.file)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				var pe *pgconn.PgError
				if errors.As(err, &pe) && pe.Detail != "" {
					// The detail names the rows in the way.
					return fmt.Errorf("schema %s: %w: %s", m.file, err, pe.Detail)
				}
				return fmt.Errorf("schema %s: %w", m.file, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version VALUES ($1)`, m.version); err != nil {
				return err
			}
		}
		return nil
	})
}

// Update runs fn in a SERIALIZABLE transaction, retried on a
// serialization failure or deadlock.
func (s *Store) Update(ctx context.Context, fn func(core.Tx) error) error {
	return s.run(ctx, false, fn)
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(core.Tx) error) error {
	return s.run(ctx, true, fn)
}

func (s *Store) run(ctx context.Context, readOnly bool, fn func(core.Tx) error) error {
	backoff := time.Millisecond
	linkRetried := false
	duplicates := 0
	for attempt := 1; ; attempt++ {
		err := s.attempt(ctx, readOnly, fn)
		var link *linkError
		var unknown *unknownOutcome
		switch {
		case err == nil:
			return nil
		case errors.As(err, &unknown):
			return err // it may have been applied: never run it again
		case ctx.Err() != nil:
			return ctx.Err()
		case conflict(err) && attempt < maxAttempts:
			// The server refused the transaction and kept nothing.
		case duplicate(err) && duplicates < maxDuplicates:
			duplicates++
		case errors.As(err, &link) && !linkRetried:
			// Nothing was committed (commit settles a lost reply to
			// COMMIT). The other pooled connections are likely gone
			// too, after a server restart: drop them all.
			linkRetried = true
			s.pool.Reset()
		default:
			return s.mapErr(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff/2 + rand.N(backoff)):
		}
		backoff = min(2*backoff, 50*time.Millisecond)
	}
}

// conflict: the server refused the transaction for a conflict with
// another one; it kept nothing.
func conflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// duplicate: a unique violation, which under SERIALIZABLE is often a
// conflict in disguise (PostgreSQL's manual, "Serializable Isolation
// Level", advises retrying 23505 too): two transactions inserted the same
// key, and the retry sees the one that committed. A few retries are
// enough: entry ids are made anew at each attempt, and the rules look a
// ref up before posting it.
func duplicate(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// maxDuplicates bounds the retries of one Update after unique violations.
const maxDuplicates = 3

// linkError is a failed connection, or a session the server ended
// (restarted, shut down, or the backend was terminated), in a transaction
// that was not committed.
type linkError struct{ err error }

func (e *linkError) Error() string { return e.err.Error() }
func (e *linkError) Unwrap() error { return e.err }

// asLinkError marks err as a link failure if it is one: the connection
// could not be made or broke (closed says it is closed now), or the
// server ended the session. Anything else, such as a statement the
// server refused or a value that does not fit its Go type, stays as it is.
func asLinkError(err error, closed bool) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if pe.Severity == "FATAL" || pe.Severity == "PANIC" || strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") {
			return &linkError{err}
		}
		return err
	}
	var connect *pgconn.ConnectError
	var network net.Error
	if closed || pgconn.SafeToRetry(err) || errors.As(err, &connect) || errors.As(err, &network) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, pgconn.ErrConnClosed) {
		return &linkError{err}
	}
	return err
}

// unknownOutcome is a commit whose reply was lost (the connection failed
// or the caller gave up waiting) and whose outcome could not be looked
// up: the transaction may or may not have been applied.
type unknownOutcome struct {
	where string
	err   error
}

func (e *unknownOutcome) Error() string {
	return fmt.Sprintf("postgres at %s: the reply to COMMIT was lost and the outcome could not be looked up: %s", e.where, safeMessage(e.err))
}

func (e *unknownOutcome) Unwrap() []error { return []error{core.ErrOutcomeUnknown, e.err} }

// mapErr turns the server's errors into the port's.
func (s *Store) mapErr(err error) error {
	var pe *pgconn.PgError
	var link *linkError
	switch {
	case conflict(err):
		errors.As(err, &pe)
		return fmt.Errorf("%w (postgres at %s: %s)", core.ErrBusy, s.where, pe.Message)
	case errors.As(err, &pe) && (pe.Code == "55P03" || pe.Code == "57014"):
		return fmt.Errorf("%w (postgres at %s: %s)", core.ErrBusy, s.where, pe.Message)
	case errors.As(err, &link):
		return fmt.Errorf("postgres at %s: the connection failed: %s", s.where, safeMessage(err))
	}
	return err
}

// attempt runs fn once in a transaction of its own on one connection.
//
// Round trips are what a transaction costs, so the transaction keeps
// them few: BEGIN goes out with the first read, writes are queued and go
// out with the next read or with COMMIT, and an account read in a write
// transaction brings its latest ledger entry along. A transfer is four
// round trips: the payer with BEGIN, the ref lookup, the payee, and the
// writes with COMMIT.
func (s *Store) attempt(ctx context.Context, readOnly bool, fn func(core.Tx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return asLinkError(err, false)
	}
	// Release destroys a connection left in a transaction or broken.
	defer conn.Release()
	t := &tx{ctx: ctx, conn: conn.Conn(), rw: !readOnly, last: map[string]lastEntry{}}
	if readOnly {
		t.begin = []*pgx.QueuedQuery{{SQL: `BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY`}}
	} else {
		// With the transaction's id, to look the outcome up if the
		// reply to COMMIT is lost.
		id := &pgx.QueuedQuery{SQL: `SELECT pg_current_xact_id()::text`}
		id.QueryRow(func(r pgx.Row) error { return r.Scan(&t.xid) })
		t.begin = []*pgx.QueuedQuery{{SQL: `BEGIN ISOLATION LEVEL SERIALIZABLE`}, id}
	}
	defer func() {
		// A transaction refused or abandoned is rolled back, so that the
		// connection goes back to the pool rather than being closed and
		// opened anew; one that cannot roll back is closed by Release.
		if status := t.conn.PgConn().TxStatus(); !t.conn.IsClosed() && (status == 'T' || status == 'E') {
			_, _ = t.conn.Exec(ctx, `ROLLBACK`)
		}
	}()
	fnErr := fn(t)
	if t.err == nil && fnErr == nil {
		return s.commit(ctx, t)
	}
	if t.err != nil {
		return t.err // the server refused a statement, or the link failed
	}
	return fnErr
}

// commit sends the queued writes with COMMIT. If the connection fails
// after that, or the caller's context is cancelled before the reply, a
// write transaction may have committed: its id is looked up on another
// connection, so a committed transaction is reported done and an aborted
// one failed, never the other way round. A read-only one changed nothing,
// whatever became of it: its lost reply is a link failure like any other.
func (s *Store) commit(ctx context.Context, t *tx) error {
	if !t.sent && len(t.saves)+len(t.writes) == 0 {
		return nil // fn read and wrote nothing: there is no transaction
	}
	err := asLinkError(t.send(&pgx.QueuedQuery{SQL: `COMMIT`}), t.conn.IsClosed())
	var link *linkError
	lost := errors.As(err, &link) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	if !lost || pgconn.SafeToRetry(err) || !t.rw {
		return err // done, refused, never sent, or a read
	}
	if t.xid == "" {
		return &unknownOutcome{where: s.where, err: err}
	}
	if link != nil {
		s.pool.Reset()
	}
	// Closed, the connection cannot leave the transaction in progress:
	// the server aborts it unless the COMMIT reached it.
	closing, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	_ = t.conn.Close(closing)
	cancel()
	status, lookErr := s.outcome(ctx, t.xid)
	switch status {
	case "committed":
		return nil
	case "aborted":
		return err // a link failure, retried once, or the cancellation
	}
	return &unknownOutcome{where: s.where, err: errors.Join(err, lookErr)}
}

// outcome looks up the status of transaction xid: committed, aborted, or
// "" if it could not be told. A transaction still in progress is waited
// for: its backend aborts it once it sees the connection gone. The
// lookup goes on, for up to outcomeWait, if ctx is cancelled: the caller
// must learn whether its transaction was done.
func (s *Store) outcome(ctx context.Context, xid string) (string, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outcomeWait)
	defer cancel()
	var err error
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		var status *string
		err = s.pool.QueryRow(ctx, `SELECT pg_xact_status($1::xid8)`, xid).Scan(&status)
		if err == nil && status != nil && *status != "in progress" {
			return *status, nil
		}
		select {
		case <-ctx.Done():
			return "", errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// outcomeWait bounds the time spent looking up the outcome of a commit
// whose reply was lost: long enough for a server restart. A variable for
// the tests.
var outcomeWait = 30 * time.Second

// tx is one attempt's transaction. Reads go out at once, with the writes
// queued before them; t.err keeps the first failed round trip, which ends
// the attempt whatever fn makes of it.
type tx struct {
	ctx  context.Context
	conn *pgx.Conn
	rw   bool // a read-write transaction
	sent bool // BEGIN has been sent
	// Statements not sent yet, in the order they go: BEGIN, account
	// upserts, other writes. An account another transaction changed
	// fails its upsert with a serialization failure; sent first, it fails
	// before the entries' unique index reports the same clash as a
	// duplicate key.
	begin, saves, writes []*pgx.QueuedQuery
	err                  error  // the first failed round trip
	xid                  string // the transaction's id, in a write transaction
	last                 map[string]lastEntry
}

// lastEntry is an account's latest ledger entry as this transaction knows
// it: read, or appended by it.
type lastEntry struct {
	entry *core.Entry // nil: the ledger is empty
	month int
	err   error // the entry is damaged
}

// queue adds a write to go out with the next round trip.
func (t *tx) queue(sql string, args ...any) {
	t.writes = append(t.writes, &pgx.QueuedQuery{SQL: sql, Arguments: args})
}

// send sends the statements not sent yet and then last, in one round trip.
func (t *tx) send(last *pgx.QueuedQuery) error {
	b := &pgx.Batch{QueuedQueries: slices.Concat(t.begin, t.saves, t.writes, []*pgx.QueuedQuery{last})}
	t.begin, t.saves, t.writes = nil, nil, nil
	t.sent = true
	return t.conn.SendBatch(t.ctx, b).Close()
}

// read sends the queued statements and then sql, whose rows go to fn.
// what names the data read, for the error if a value in it does not fit
// its Go type: that is damaged data, not a failed round trip, and the
// transaction goes on.
func (t *tx) read(what, sql string, args []any, fn func(pgx.Rows) error) error {
	if t.err != nil {
		return t.err
	}
	q := &pgx.QueuedQuery{SQL: sql, Arguments: args}
	q.Query(fn)
	if err := t.send(q); err != nil {
		var scan pgx.ScanArgError
		if errors.As(err, &scan) && !t.conn.IsClosed() {
			return corrupt(what, err)
		}
		t.err = asLinkError(err, t.conn.IsClosed())
	}
	return t.err
}

// readRow is read for at most one row: found says whether there was one.
func (t *tx) readRow(what, sql string, args []any, dest ...any) (found bool, err error) {
	err = t.read(what, sql, args, func(rows pgx.Rows) error {
		if rows.Next() {
			found = true
			return rows.Scan(dest...)
		}
		return nil
	})
	return found, err
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

// accountWithLastEntry reads an account row with its latest ledger entry.
var accountWithLastEntry = `SELECT a.` + strings.ReplaceAll(accountCols, ", ", ", a.") + `, e.month, e.` + strings.ReplaceAll(entryCols, ", ", ", e.") +
	` FROM accounts a LEFT JOIN LATERAL (SELECT month, ` + entryCols + ` FROM entries
	WHERE account = a.name ORDER BY month DESC, seq DESC LIMIT 1) e ON true WHERE a.name = $1`

func (t *tx) Account(name string) (*core.Account, error) {
	var a core.Account
	var bills []bill
	var booked *time.Time
	dest := []any{&a.Name, &a.PasswordHash, &a.Balance, &a.CreditLimit, &a.Admin, &a.Frozen, &a.FailedLogins, &a.LockedUntil, &a.Created, &a.Updated, &a.Language, &bills, &booked}
	sql := `SELECT ` + accountCols + ` FROM accounts a WHERE name = $1`
	var e nullEntry
	if t.rw {
		// A write transaction posts to the accounts it reads: their
		// latest entries come along, saving LastEntry's round trip.
		sql = accountWithLastEntry
		dest = append(dest, e.dest()...)
	}
	found, err := t.readRow("account "+name, sql, []any{name}, dest...)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, core.ErrNoAccount
	}
	if t.rw {
		t.last[name] = e.last("ledger " + name)
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
	_, err := t.readRow("account "+name, `SELECT EXISTS (SELECT 1 FROM accounts WHERE name = $1)`, []any{name}, &ok)
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
	t.saves = append(t.saves, &pgx.QueuedQuery{SQL: `INSERT INTO accounts (` + accountCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (name) DO UPDATE SET password_hash = $2, balance = $3, credit_limit = $4, admin = $5, frozen = $6,
		failed_logins = $7, locked_until = $8, created = $9, updated = $10, language = $11, bills = $12, booked_through = $13`,
		Arguments: []any{a.Name, a.PasswordHash, int64(a.Balance), int64(a.CreditLimit), a.Admin, a.Frozen, a.FailedLogins, a.LockedUntil, a.Created, a.Updated, string(a.Language), bills, booked}})
	return nil
}

func (t *tx) AccountNames(after string, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	var names []string
	err := t.read("account names", `SELECT name FROM accounts WHERE name > $1 ORDER BY name LIMIT $2`, []any{after, limit}, func(rows pgx.Rows) error {
		var err error
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if len(names) == 0 {
		names = nil
	}
	return names, err
}

const entryCols = `id, ref, at, kind, counterparty, amount, balance_after, note`

func (e *entryRow) dest() []any {
	return []any{&e.ID, &e.Ref, &e.Time, &e.Kind, &e.Counterparty, &e.Amount, &e.BalanceAfter, &e.Note}
}

// entryRow is an entry as scanned, with its month.
type entryRow struct {
	month int
	core.Entry
}

// nullEntry is an entry from an outer join: all NULL when there is none.
type nullEntry struct {
	month                       *int
	id, ref, kind, counterparty *string
	note                        *string
	at                          *time.Time
	amount, balanceAfter        *int64
}

func (n *nullEntry) dest() []any {
	return []any{&n.month, &n.id, &n.ref, &n.at, &n.kind, &n.counterparty, &n.amount, &n.balanceAfter, &n.note}
}

// last is the latest entry n holds, checked.
func (n *nullEntry) last(what string) lastEntry {
	if n.id == nil {
		return lastEntry{}
	}
	e := core.Entry{ID: *n.id, Ref: *n.ref, Time: *n.at, Kind: *n.kind, Counterparty: *n.counterparty,
		Amount: core.Money(*n.amount), BalanceAfter: core.Money(*n.balanceAfter), Note: *n.note}
	if err := e.Check(); err != nil {
		return lastEntry{err: corrupt(what+" entry "+e.ID, err)}
	}
	return lastEntry{entry: &e, month: *n.month}
}

// entries reads the entries sql selects (month first, then entryCols),
// checked.
func (t *tx) entries(what, sql string, args ...any) ([]entryRow, error) {
	var rows []entryRow
	err := t.read(what, sql, args, func(r pgx.Rows) error {
		var err error
		rows, err = pgx.CollectRows(r, func(r pgx.CollectableRow) (entryRow, error) {
			var e entryRow
			err := r.Scan(append([]any{&e.month}, e.dest()...)...)
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if err := rows[i].Check(); err != nil {
			return nil, corrupt(what+" entry "+rows[i].ID, err)
		}
	}
	return rows, nil
}

func (t *tx) lastEntry(name string) (lastEntry, error) {
	if l, ok := t.last[name]; ok {
		return l, nil
	}
	rows, err := t.entries("ledger "+name, `SELECT month, `+entryCols+` FROM entries WHERE account = $1 ORDER BY month DESC, seq DESC LIMIT 1`, name)
	var l lastEntry
	switch {
	case errors.Is(err, core.ErrCorrupt):
		l.err = err
	case err != nil:
		return l, err
	case len(rows) > 0:
		l = lastEntry{entry: &rows[0].Entry, month: rows[0].month}
	}
	t.last[name] = l
	return l, nil
}

func (t *tx) LastEntry(name string) (*core.Entry, error) {
	l, err := t.lastEntry(name)
	if err != nil {
		return nil, err
	}
	if l.err != nil {
		return nil, l.err
	}
	if l.entry == nil {
		return nil, nil
	}
	e := *l.entry
	return &e, nil
}

func (t *tx) AppendEntries(name string, month core.Month, entries ...core.Entry) error {
	l, err := t.lastEntry(name)
	if err != nil {
		return err
	}
	if l.err != nil {
		return l.err
	}
	if len(entries) == 0 {
		return nil
	}
	key := monthKey(month)
	prev := l.entry
	if prev != nil && key < l.month {
		return corrupt("ledger "+name, fmt.Errorf("entries for %s after the ledger's later month", month))
	}
	for _, e := range entries {
		if prev != nil && prev.BalanceAfter != e.BalanceAfter-e.Amount {
			return corrupt("ledger "+name, fmt.Errorf("the last entry leaves the balance at %s but the account holds %s", prev.BalanceAfter, e.BalanceAfter-e.Amount))
		}
		prev = &e
	}
	// Entry ids are random and made at each attempt; the database's
	// UNIQUE refuses a duplicate at COMMIT.
	for _, e := range entries {
		t.queue(`INSERT INTO entries (account, month, `+entryCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			name, key, e.ID, e.Ref, e.Time, e.Kind, e.Counterparty, int64(e.Amount), int64(e.BalanceAfter), e.Note)
	}
	last := entries[len(entries)-1]
	t.last[name] = lastEntry{entry: &last, month: key}
	return nil
}

func (t *tx) MonthEntries(name string, month core.Month) ([]core.Entry, error) {
	rows, err := t.entries("ledger "+name+" "+month.String(), `SELECT month, `+entryCols+` FROM entries WHERE account = $1 AND month = $2 ORDER BY seq`, name, monthKey(month))
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	es := make([]core.Entry, len(rows))
	for i := range rows {
		es[i] = rows[i].Entry
	}
	return es, nil
}

func (t *tx) BalanceBefore(name string, month core.Month) (core.Money, error) {
	rows, err := t.entries("ledger "+name, `SELECT month, `+entryCols+` FROM entries WHERE account = $1 AND month < $2 ORDER BY month DESC, seq DESC LIMIT 1`, name, monthKey(month))
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	return rows[0].BalanceAfter, nil
}

// FindRef looks through the whole ledger, whatever deep says: the index
// of one_posting, which starts with (account, ref), finds it in a few
// pages however long the ledger, where bounding the search to the latest
// two months would read them all to find where they start.
func (t *tx) FindRef(name, ref string, deep bool) (*core.Entry, error) {
	rows, err := t.entries("ledger "+name, `SELECT month, `+entryCols+` FROM entries WHERE account = $1 AND ref = $2 ORDER BY seq LIMIT 1`, name, ref)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0].Entry, nil
}

func (t *tx) AppendOrder(name string, o core.Order) error {
	var taken bool
	if _, err := t.readRow("orders of "+name, `SELECT EXISTS (SELECT 1 FROM orders WHERE account = $1 AND id = $2)`, []any{name, o.ID}, &taken); err != nil {
		return err
	}
	if taken {
		return fmt.Errorf("postgres: %s already has an order %s", name, o.ID)
	}
	items := make([]string, len(o.Lines))
	prices := make([]int64, len(o.Lines))
	quantities := make([]int32, len(o.Lines))
	for i, l := range o.Lines {
		items[i], prices[i], quantities[i] = l.Item, int64(l.Price), int32(l.Quantity)
	}
	// One statement, so that it can be queued: the order, then its lines
	// numbered from 0.
	t.queue(`WITH o AS (INSERT INTO orders (account, id, at, total) VALUES ($1, $2, $3, $4) RETURNING seq)
		INSERT INTO order_lines (order_seq, line, item, price, quantity)
		SELECT o.seq, l.n - 1, l.item, l.price, l.quantity FROM o, unnest($5::text[], $6::bigint[], $7::integer[]) WITH ORDINALITY AS l (item, price, quantity, n)`,
		name, o.ID, o.Time, int64(o.Total), items, prices, quantities)
	return nil
}

func (t *tx) orders(name, id string) ([]core.Order, error) {
	var orders []core.Order
	err := t.read("orders of "+name, `SELECT o.seq, o.id, o.at, o.total, l.item, l.price, l.quantity
		FROM orders o LEFT JOIN order_lines l ON l.order_seq = o.seq
		WHERE o.account = $1 AND ($2 = '' OR o.id = $2) ORDER BY o.seq, l.line`, []any{name, id}, func(rows pgx.Rows) error {
		var lastSeq int64 = -1
		for rows.Next() {
			var seq int64
			var o core.Order
			var item *string
			var price *int64
			var qty *int
			if err := rows.Scan(&seq, &o.ID, &o.Time, &o.Total, &item, &price, &qty); err != nil {
				return err
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
		return rows.Err()
	})
	return orders, err
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
	found, err := t.readRow("bank settings", `SELECT time_zone FROM bank_settings`, nil, &s.TimeZone)
	if err != nil {
		return s, err
	}
	if !found {
		return s, core.ErrNoSettings
	}
	if s.TimeZone == "" {
		return s, corrupt("bank settings", errors.New("time_zone is empty"))
	}
	return s, nil
}

func (t *tx) SaveBankSettings(s core.BankSettings) error {
	t.queue(`INSERT INTO bank_settings (time_zone) VALUES ($1) ON CONFLICT (one) DO UPDATE SET time_zone = $1`, s.TimeZone)
	return nil
}
