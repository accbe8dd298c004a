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
func ledgerDir(name string) string { return "ledger/" + name }

func ledgerDoc(name string, t time.Time) string {
	return ledgerDir(name) + "/" + t.Format("2006-01") + ".jsonl"
}

// newID returns a random identifier, prefixed so a reader can tell what it
// names. 64 random bits make a collision practically impossible.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported systems
	return prefix + "-" + hex.EncodeToString(b[:])
}

// post applies amount to the account and appends the entry recording it,
// in the caller's transaction. The caller has already checked the limits.
func (b *Bank) post(tx Tx, a *Account, e Entry) error {
	doc := ledgerDoc(a.Name, e.Time)
	if err := b.checkLedgerEnd(tx, doc, a.Balance); err != nil {
		return err
	}
	a.Balance += e.Amount
	e.ID = newID("e")
	e.BalanceAfter = a.Balance
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode ledger entry: %w", err)
	}
	return tx.Append(doc, append(line, '\n'))
}

// checkLedgerEnd refuses to extend a month of the ledger whose last line is
// incomplete, unreadable or disagrees with the balance: a line appended
// after it could not be read back, and the disagreement must be repaired,
// not buried. It reads only the end of the file, so a posting costs the
// same however long the month is.
func (b *Bank) checkLedgerEnd(tx Tx, doc string, balance Money) error {
	const window = 16 << 10 // longer than entries ever are
	data, err := tx.Tail(doc, window)
	start := bytes.LastIndexByte(data[:max(0, len(data)-1)], '\n') + 1
	if err == nil && start == 0 && len(data) == window {
		data, err = tx.Get(doc) // a huge last line: read it all
	}
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(data) == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", doc, err)
	}
	if data[len(data)-1] != '\n' {
		return fmt.Errorf("%w %s: the last line is incomplete", ErrCorrupt, b.Store.Path(doc))
	}
	start = bytes.LastIndexByte(data[:len(data)-1], '\n') + 1
	var e Entry
	if err := decodeStrict(data[start:len(data)-1], &e); err != nil {
		return fmt.Errorf("%w %s: last line: %v", ErrCorrupt, b.Store.Path(doc), err)
	}
	if e.BalanceAfter != balance {
		return fmt.Errorf("%w %s: the last entry leaves the balance at %s but the account holds %s", ErrCorrupt, b.Store.Path(doc), e.BalanceAfter, balance)
	}
	return nil
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
	files, err := tx.List(ledgerDir(name))
	if err != nil {
		return 0, fmt.Errorf("list ledger of %s: %w", name, err)
	}
	this := month.Format("2006-01") + ".jsonl"
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
