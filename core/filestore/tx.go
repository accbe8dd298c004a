package filestore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"atmshop/core"
	"atmshop/lib/docstore"
)

// The db/ layout.
const (
	accountsDir = "accounts"
	ledgerRoot  = "ledger"
	ordersDir   = "orders"
	settingsDoc = "bank.json"
	linesSuffix = ".jsonl"
	accountExt  = ".json"
	tailWindow  = 16 << 10 // longer than entries ever are
	// firstTailWindow is what a posting reads of a ledger's end first.
	firstTailWindow = 1 << 10
)

func accountDoc(name string) string { return accountsDir + "/" + name + accountExt }
func ledgerDir(name string) string  { return ledgerRoot + "/" + name }
func ledgerDoc(name string, m core.Month) string {
	return ledgerDir(name) + "/" + m.String() + linesSuffix
}
func ordersDoc(name string) string { return ordersDir + "/" + name + linesSuffix }

// tx is one transaction. It remembers the end of each ledger it has read,
// so a posting reads the end of a ledger once however often the rules ask.
type tx struct {
	docs  *docstore.Tx
	store *Store
	ends  map[string]*ledgerEnd
}

// get reads a document; found is false if there is none.
func (t *tx) get(doc string) (data []byte, found bool, err error) {
	data, err = t.docs.Get(doc)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", doc, err)
	}
	return data, true, nil
}

func (t *tx) Account(name string) (*core.Account, error) {
	if core.CheckAccountName(name) != nil {
		return nil, core.ErrNoAccount
	}
	doc := accountDoc(name)
	data, found, err := t.get(doc)
	if err != nil || !found {
		return nil, orElse(err, core.ErrNoAccount)
	}
	return t.store.decodeAccount(name, data)
}

// orElse is err, or fallback when err is nil.
func orElse(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

func (t *tx) HasAccount(name string) (bool, error) {
	if core.CheckAccountName(name) != nil {
		return false, nil
	}
	// The last 0 bytes: whether the file is there, without reading it.
	_, err := t.docs.Tail(accountDoc(name), 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", accountDoc(name), err)
	}
	return true, nil
}

func (t *tx) SaveAccount(a *core.Account) error {
	if err := core.CheckAccountName(a.Name); err != nil {
		return err
	}
	r := accountRecord(a)
	data, err := encodeAccount(r)
	if err != nil {
		return err
	}
	if err := t.docs.Put(accountDoc(a.Name), data); err != nil {
		return err
	}
	// The next read of these bytes, in this transaction or a later one,
	// needs no decoding.
	if back, ok := r.readBack(); ok {
		if kept := back.domain(); kept.Check(a.Name) == nil {
			t.store.accounts.put(accountDoc(a.Name), data, kept)
		}
	}
	return nil
}

// AccountFile returns the name of a's account file in the data folder
// (slash-separated) and its content, exactly as SaveAccount writes them.
// A tool that lays down many accounts at once, faster than a transaction
// each (bin/bench's scale measurements), writes these.
func AccountFile(a *core.Account) (name string, data []byte, err error) {
	data, err = encodeAccount(accountRecord(a))
	return accountDoc(a.Name), data, err
}

// encodeAccount is the content of the account file of r.
func encodeAccount(r account) ([]byte, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode account %s: %w", r.Name, err)
	}
	return append(data, '\n'), nil
}

func (t *tx) AccountNames(after string, limit int) ([]string, error) {
	files, err := t.docs.List(accountsDir)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	var names []string
	for _, f := range files {
		name, ok := strings.CutSuffix(f, accountExt)
		if ok && name > after && core.CheckAccountName(name) == nil {
			names = append(names, name) // not an account file otherwise
		}
	}
	slices.Sort(names)
	return names[:min(len(names), max(0, limit))], nil
}

// ledgerEnd is the end of an account's ledger: its latest entry, whatever
// month it is in.
type ledgerEnd struct {
	months []core.Month // the month files, oldest first
	doc    string       // the latest month file with an entry; "" if none
	tail   []byte       // the end of doc as read: whole lines
	added  []byte       // the lines this transaction appended to doc, after tail
	last   *core.Entry  // the latest entry; nil if the account has none
}

// months lists the month files of a user's ledger, oldest first. Other
// files in the folder are not the ledger's and are left out.
func (t *tx) months(name string) ([]core.Month, error) {
	if months, ok := t.store.keptMonths(t.docs.Epoch(), name); ok {
		return months, nil
	}
	files, err := t.docs.List(ledgerDir(name))
	if err != nil {
		return nil, fmt.Errorf("list ledger of %s: %w", name, err)
	}
	var months []core.Month
	for _, f := range files {
		s, ok := strings.CutSuffix(f, linesSuffix)
		if m, err := core.ParseMonth(s); ok && err == nil {
			months = append(months, m)
		}
	}
	slices.SortFunc(months, core.Month.Compare)
	return months, nil
}

// end reads the latest entry of a user's ledger. It reads only the end of
// the latest month file, so a posting costs the same however long the
// month or the history is. A last line that is incomplete or unreadable is
// ErrCorrupt: a line appended after it could not be read back.
func (t *tx) end(name string) (*ledgerEnd, error) {
	if end, ok := t.ends[name]; ok {
		return end, nil
	}
	months, err := t.months(name)
	if err != nil {
		return nil, err
	}
	end := &ledgerEnd{months: months}
	for i := len(months) - 1; i >= 0 && end.last == nil; i-- {
		doc := ledgerDoc(name, months[i])
		// A small read holds the last line (entries are ~200 bytes); a
		// last line that does not fit is read with the larger window,
		// then whole.
		window := firstTailWindow
		data, err := t.docs.Tail(doc, window)
		start := bytes.LastIndexByte(data[:max(0, len(data)-1)], '\n') + 1
		if err == nil && start == 0 && len(data) == window {
			window = tailWindow
			data, err = t.docs.Tail(doc, window)
			start = bytes.LastIndexByte(data[:max(0, len(data)-1)], '\n') + 1
		}
		if err == nil && start == 0 && len(data) == window {
			data, err = t.docs.Get(doc) // a huge last line: read it all
		}
		if errors.Is(err, fs.ErrNotExist) || err == nil && len(data) == 0 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", doc, err)
		}
		if data[len(data)-1] != '\n' {
			return nil, t.store.corrupt(doc, "the last line is incomplete")
		}
		start = bytes.LastIndexByte(data[:len(data)-1], '\n') + 1
		line := data[start : len(data)-1]
		e, ok := t.store.lastEntries.get(doc, line)
		if !ok {
			var r entry
			if err := decodeStrict(line, &r); err != nil {
				return nil, t.store.corrupt(doc, "last line: %v", err)
			}
			e = core.Entry(r)
			t.store.lastEntries.put(doc, bytes.Clone(line), e)
		}
		if len(data) == window { // the first line may be cut: drop it
			data = data[bytes.IndexByte(data, '\n')+1:]
		}
		end.doc, end.tail, end.last = doc, data, &e
	}
	t.ends[name] = end
	return end, nil
}

func (t *tx) LastEntry(name string) (*core.Entry, error) {
	end, err := t.end(name)
	if err != nil || end.last == nil {
		return nil, err
	}
	e := *end.last
	return &e, nil
}

func (t *tx) AppendEntries(name string, month core.Month, entries ...core.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	end, err := t.end(name)
	if err != nil {
		return err
	}
	var lines, line []byte
	prev := end.last
	for i := range entries {
		e := &entries[i]
		if prev != nil && prev.BalanceAfter != e.BalanceAfter-e.Amount {
			return t.store.corrupt(end.doc, "the last entry leaves the balance at %s but the account holds %s", prev.BalanceAfter, e.BalanceAfter-e.Amount)
		}
		var err error
		if line, err = json.Marshal(entry(*e)); err != nil {
			return fmt.Errorf("encode ledger entry: %w", err)
		}
		lines = append(append(lines, line...), '\n')
		prev = e
	}
	doc := ledgerDoc(name, month)
	if err := t.docs.Append(doc, lines); err != nil {
		return err
	}
	// The next read of the ledger's end needs no decoding.
	if back, ok := entry(entries[len(entries)-1]).readBack(); ok {
		t.store.lastEntries.put(doc, line, core.Entry(back))
	}
	if i, found := slices.BinarySearchFunc(end.months, month, core.Month.Compare); !found {
		end.months = slices.Insert(end.months, i, month)
	}
	if doc != end.doc {
		end.tail, end.added = nil, nil
	}
	// Kept apart from the tail, which would otherwise be copied whole at
	// every posting.
	last := entries[len(entries)-1]
	end.doc, end.added, end.last = doc, append(end.added, lines...), &last
	return nil
}

func (t *tx) MonthEntries(name string, month core.Month) ([]core.Entry, error) {
	return t.readEntries(ledgerDoc(name, month))
}

// readEntries reads and checks one month file; a missing one is empty.
func (t *tx) readEntries(doc string) ([]core.Entry, error) {
	records, err := readLines[entry](t, doc)
	if err != nil {
		return nil, err
	}
	entries := make([]core.Entry, len(records))
	for i, r := range records {
		entries[i] = core.Entry(r)
		if err := entries[i].Check(); err != nil {
			return nil, fmt.Errorf("%w %s line %d: %v", core.ErrCorrupt, t.store.docs.Path(doc), i+1, err)
		}
	}
	return entries, nil
}

// readLines reads a JSON Lines document; a missing one is empty.
func readLines[T any](t *tx, doc string) ([]T, error) {
	data, found, err := t.get(doc)
	if err != nil || !found || len(data) == 0 {
		return nil, err
	}
	var values []T
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var v T
		if err := decodeStrict([]byte(line), &v); err != nil {
			return nil, fmt.Errorf("%w %s line %d: %v", core.ErrCorrupt, t.store.docs.Path(doc), i+1, err)
		}
		values = append(values, v)
	}
	return values, nil
}

func (t *tx) BalanceBefore(name string, month core.Month) (core.Money, error) {
	months, err := t.months(name)
	if err != nil {
		return 0, err
	}
	i, _ := slices.BinarySearchFunc(months, month, core.Month.Compare)
	if i == 0 {
		return 0, nil
	}
	entries, err := t.readEntries(ledgerDoc(name, months[i-1]))
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	return entries[len(entries)-1].BalanceAfter, nil
}

// FindRef always searches the end of the ledger that posting reads anyway;
// when deep (an earlier attempt may have been applied, however long ago)
// it searches the latest two month files whole.
func (t *tx) FindRef(name, ref string, deep bool) (*core.Entry, error) {
	end, err := t.end(name)
	if err != nil {
		return nil, err
	}
	quoted, err := json.Marshal(ref)
	if err != nil {
		return nil, fmt.Errorf("encode ref: %w", err)
	}
	needle := append([]byte(`"ref":`), quoted...)
	for _, lines := range [][]byte{end.tail, end.added} {
		if !bytes.Contains(lines, needle) {
			continue
		}
		for line := range bytes.SplitSeq(bytes.TrimSuffix(lines, []byte("\n")), []byte("\n")) {
			var r entry
			if bytes.Contains(line, needle) && decodeStrict(line, &r) == nil && r.Ref == ref {
				e := core.Entry(r)
				return &e, nil
			}
		}
	}
	if !deep {
		return nil, nil
	}
	for _, month := range end.months[max(0, len(end.months)-2):] {
		entries, err := t.readEntries(ledgerDoc(name, month))
		if e := core.EntryWithRef(entries, ref); e != nil || err != nil {
			return e, err
		}
	}
	return nil, nil
}

func (t *tx) AppendOrder(name string, o core.Order) error {
	line, err := json.Marshal(orderRecord(o))
	if err != nil {
		return fmt.Errorf("encode order: %w", err)
	}
	return t.docs.Append(ordersDoc(name), append(line, '\n'))
}

func (t *tx) Orders(name string) ([]core.Order, error) {
	records, err := readLines[order](t, ordersDoc(name))
	if err != nil {
		return nil, err
	}
	orders := make([]core.Order, len(records))
	for i, r := range records {
		orders[i] = r.domain()
	}
	return orders, nil
}

func (t *tx) Order(name, id string) (*core.Order, error) {
	orders, err := t.Orders(name)
	if err != nil {
		return nil, err
	}
	for i := len(orders) - 1; i >= 0; i-- {
		if orders[i].ID == id {
			return &orders[i], nil
		}
	}
	return nil, core.ErrNoOrder
}

func (t *tx) BankSettings() (core.BankSettings, error) {
	data, found, err := t.get(settingsDoc)
	if err != nil || !found {
		return core.BankSettings{}, orElse(err, core.ErrNoSettings)
	}
	var r bankSettings
	if err := decodeStrict(data, &r); err != nil {
		return core.BankSettings{}, t.store.corrupt(settingsDoc, "%v", err)
	}
	return core.BankSettings(r), nil
}

func (t *tx) SaveBankSettings(s core.BankSettings) error {
	data, err := json.Marshal(bankSettings(s))
	if err != nil {
		return fmt.Errorf("encode %s: %w", settingsDoc, err)
	}
	return t.docs.Put(settingsDoc, append(data, '\n'))
}
