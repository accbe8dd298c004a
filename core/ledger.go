package core

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Kinds of ledger entries.
const (
	KindOpening     = "opening"      // the balance an account started with
	KindPurchase    = "purchase"     // a shop checkout
	KindTransferOut = "transfer_out" // money sent to Counterparty
	KindTransferIn  = "transfer_in"  // money received from Counterparty
	KindWithdrawal  = "withdrawal"   // cash taken out
	KindFee         = "fee"          // the withdrawal fee
	KindRepayment   = "repayment"    // money paid in
)

// Entry is one money movement on one account. Amount is signed: negative
// takes money out. Entries of one event (the two sides of a transfer, a
// withdrawal and its fee) share Ref.
type Entry struct {
	ID           string    `json:"id"`
	Ref          string    `json:"ref"`
	Time         time.Time `json:"time"`
	Kind         string    `json:"kind"`
	Counterparty string    `json:"counterparty,omitempty"`
	Amount       Money     `json:"amount_fen"`
	BalanceAfter Money     `json:"balance_after_fen"`
	Note         string    `json:"note,omitempty"`
}

// The ledger is one JSON Lines file per user and month
// (ledger/<name>/2026-11.jsonl): appending is cheap and atomic with the
// balance in the same transaction, and a statement reads one month only.
// The month is the entry time's month in the bank's time zone (Bank.Zone),
// so it does not depend on the zone of the process that wrote it, and an
// entry is never earlier than the account's latest (see post), so the month
// files of an account follow each other and chain: each month starts where
// the one before it ended.
func ledgerDir(name string) string { return "ledger/" + name }

const monthFormat = "2006-01"

func ledgerDoc(name string, t time.Time) string {
	return ledgerDir(name) + "/" + t.Format(monthFormat) + ".jsonl"
}

// ledgerMonths lists the month files of a user's ledger, oldest first.
// Other files in the folder are not the ledger's and are left out.
func ledgerMonths(tx Tx, name string) ([]string, error) {
	files, err := tx.List(ledgerDir(name))
	if err != nil {
		return nil, fmt.Errorf("list ledger of %s: %w", name, err)
	}
	return slices.DeleteFunc(files, func(f string) bool {
		month, ok := strings.CutSuffix(f, ".jsonl")
		_, err := time.Parse(monthFormat, month)
		return !ok || err != nil || len(month) != len(monthFormat)
	}), nil
}

// newID returns a random identifier, prefixed so a reader can tell what it
// names. 64 random bits make a collision practically impossible.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported systems
	return prefix + "-" + hex.EncodeToString(b[:])
}

// post applies e.Amount to the account and appends the entry recording
// it, in the caller's transaction, and returns the entry as written. The
// caller has already checked the limits. The entry's time is e.Time in the
// bank's zone, but never earlier than the account's latest entry: after a
// clock stepped back, entries keep the latest time until the clock catches
// up, so they never go into an earlier month file than the latest.
func (b *Bank) post(tx Tx, a *Account, e Entry) (Entry, error) {
	end, err := b.ledgerEnd(tx, a.Name)
	if err != nil {
		return Entry{}, err
	}
	if err := end.check(b.Store, a.Balance); err != nil {
		return Entry{}, err
	}
	e.Time = end.notBefore(e.Time).In(b.zone()).Round(0)
	a.Balance += e.Amount
	e.ID = newID("e")
	e.BalanceAfter = a.Balance
	line, err := json.Marshal(e)
	if err != nil {
		return Entry{}, fmt.Errorf("encode ledger entry: %w", err)
	}
	return e, tx.Append(ledgerDoc(a.Name, e.Time), append(line, '\n'))
}

// ledgerTail is the end of an account's ledger: its latest entry, whatever
// month file it is in.
type ledgerTail struct {
	months []string // the month files, oldest first
	doc    string   // the latest month file with an entry; "" if none
	tail   []byte   // the end of doc: whole lines, ending with last's
	last   *Entry   // the latest entry; nil if the account has none
}

// ledgerEnd reads the latest entry of a user's ledger. It reads only the
// end of the latest month file, so a posting costs the same however long
// the month or the history is. A last line that is incomplete or
// unreadable is ErrCorrupt: a line appended after it could not be read
// back.
func (b *Bank) ledgerEnd(tx Tx, name string) (*ledgerTail, error) {
	months, err := ledgerMonths(tx, name)
	if err != nil {
		return nil, err
	}
	end := &ledgerTail{months: months}
	for i := len(months) - 1; i >= 0 && end.last == nil; i-- {
		doc := ledgerDir(name) + "/" + months[i]
		const window = 16 << 10 // longer than entries ever are
		data, err := tx.Tail(doc, window)
		start := bytes.LastIndexByte(data[:max(0, len(data)-1)], '\n') + 1
		if err == nil && start == 0 && len(data) == window {
			data, err = tx.Get(doc) // a huge last line: read it all
		}
		if errors.Is(err, fs.ErrNotExist) || err == nil && len(data) == 0 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", doc, err)
		}
		if data[len(data)-1] != '\n' {
			return nil, fmt.Errorf("%w %s: the last line is incomplete", ErrCorrupt, b.Store.Path(doc))
		}
		start = bytes.LastIndexByte(data[:len(data)-1], '\n') + 1
		var e Entry
		if err := decodeStrict(data[start:len(data)-1], &e); err != nil {
			return nil, fmt.Errorf("%w %s: last line: %v", ErrCorrupt, b.Store.Path(doc), err)
		}
		if len(data) == window { // the first line may be cut: drop it
			data = data[bytes.IndexByte(data, '\n')+1:]
		}
		end.doc, end.tail, end.last = doc, data, &e
	}
	return end, nil
}

// notBefore is t, or the time of the latest entry if that is later.
func (end *ledgerTail) notBefore(t time.Time) time.Time {
	if end.last != nil && t.Before(end.last.Time) {
		return end.last.Time
	}
	return t
}

// check refuses to extend a ledger whose latest entry disagrees with the
// balance: the disagreement must be repaired, not buried.
func (end *ledgerTail) check(st Store, balance Money) error {
	if end.last != nil && end.last.BalanceAfter != balance {
		return fmt.Errorf("%w %s: the last entry leaves the balance at %s but the account holds %s", ErrCorrupt, st.Path(end.doc), end.last.BalanceAfter, balance)
	}
	return nil
}

// findRef looks for an entry with ref in a user's ledger, to find a
// request that was already applied. It always searches the end of the
// ledger that posting reads anyway; for a retry (an earlier attempt may
// have been applied, however long ago) it searches the latest two month
// files whole. It returns nil if the ref is not there.
func (b *Bank) findRef(tx Tx, name string, end *ledgerTail, ref string, retry bool) (*Entry, error) {
	quoted, err := json.Marshal(ref)
	if err != nil {
		return nil, fmt.Errorf("encode ref: %w", err)
	}
	needle := append([]byte(`"ref":`), quoted...)
	if bytes.Contains(end.tail, needle) {
		for line := range bytes.SplitSeq(bytes.TrimSuffix(end.tail, []byte("\n")), []byte("\n")) {
			var e Entry
			if bytes.Contains(line, needle) && decodeStrict(line, &e) == nil && e.Ref == ref {
				return &e, nil
			}
		}
	}
	if !retry {
		return nil, nil
	}
	for _, month := range end.months[max(0, len(end.months)-2):] {
		entries, err := readJSONLines[Entry](b.Store, tx, ledgerDir(name)+"/"+month)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Ref == ref {
				return &e, nil
			}
		}
	}
	return nil, nil
}

// monthEntries reads one month of a user's ledger.
func monthEntries(st Store, tx Tx, name string, month time.Time) ([]Entry, error) {
	doc := ledgerDoc(name, month)
	entries, err := readJSONLines[Entry](st, tx, doc)
	for i, e := range entries {
		if e.Amount < -MaxMoney || e.Amount > MaxMoney || e.BalanceAfter < -MaxMoney || e.BalanceAfter > MaxMoney {
			return nil, fmt.Errorf("%w %s line %d: amount_fen %d or balance_after_fen %d is out of range", ErrCorrupt, st.Path(doc), i+1, e.Amount, e.BalanceAfter)
		}
	}
	return entries, err
}

// readJSONLines reads a JSON Lines document; a missing one is empty.
func readJSONLines[T any](st Store, tx Tx, doc string) ([]T, error) {
	data, err := tx.Get(doc)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil || len(data) == 0 {
		return nil, err
	}
	var values []T
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var v T
		if err := decodeStrict([]byte(line), &v); err != nil {
			return nil, fmt.Errorf("%w %s line %d: %v", ErrCorrupt, st.Path(doc), i+1, err)
		}
		values = append(values, v)
	}
	return values, nil
}

// balanceBefore finds the balance at the start of month without reading
// the whole history: the last entry of the latest earlier month file.
func balanceBefore(st Store, tx Tx, name string, month time.Time) (Money, error) {
	files, err := ledgerMonths(tx, name)
	if err != nil {
		return 0, err
	}
	this := month.Format(monthFormat) + ".jsonl"
	i, _ := slices.BinarySearch(files, this)
	if i == 0 {
		return 0, nil
	}
	entries, err := readJSONLines[Entry](st, tx, ledgerDir(name)+"/"+files[i-1])
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	return entries[len(entries)-1].BalanceAfter, nil
}
