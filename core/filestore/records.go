package filestore

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"time"
	"unicode/utf8"

	"atmshop/core"
)

// The stored forms of core's types. The tags are the file format, and must
// not change. An entry's and a bill's fields are core's, in the same
// order, so a conversion between the two costs nothing; an account is
// converted field by field (accountRecord, domain). An account's bills and booked day
// came later: files without them are read as an account with no bills,
// not yet booked, so an older db/ needs no change.

// accountFields are core.Account but its bills and booked day.
type accountFields struct {
	Name         string     `json:"name"`
	PasswordHash string     `json:"password_hash"`
	Balance      core.Money `json:"balance_fen"`
	CreditLimit  core.Money `json:"credit_limit_fen"`
	Admin        bool       `json:"admin"`
	Frozen       bool       `json:"frozen"`
	// Optional: files written before people could choose have none.
	Language     core.Language `json:"language,omitempty"`
	FailedLogins int           `json:"failed_logins"`
	LockedUntil  time.Time     `json:"locked_until,omitzero"`
	Created      time.Time     `json:"created"`
	Updated      time.Time     `json:"updated"`
}

type account struct {
	accountFields
	Bills         []bill    `json:"bills,omitempty"`
	BookedThrough time.Time `json:"booked_through,omitzero"`
}

type bill struct {
	Date    time.Time  `json:"date"`
	Owed    core.Money `json:"owed_fen"`
	Minimum core.Money `json:"minimum_fen"`
	Due     time.Time  `json:"due"`
	Paid    core.Money `json:"paid_fen"`
}

func accountRecord(a *core.Account) account {
	r := account{BookedThrough: a.BookedThrough}
	r.accountFields = accountFields{a.Name, a.PasswordHash, a.Balance, a.CreditLimit, a.Admin, a.Frozen, a.Language, a.FailedLogins, a.LockedUntil, a.Created, a.Updated}
	for _, b := range a.Bills {
		r.Bills = append(r.Bills, bill(b))
	}
	return r
}

// readBack is what a file written for r gives when it is read: r with
// each time as decoded from its text, which has no monotonic clock reading
// and the location time.Parse picks for its offset (see Store.decodeAccount).
// A time that cannot be encoded (ok false) cannot be saved either.
func (r account) readBack() (back account, ok bool) {
	f := &r.accountFields
	r.Bills = slices.Clone(r.Bills)
	times := []*time.Time{&f.Created, &f.Updated}
	for i := range r.Bills {
		times = append(times, &r.Bills[i].Date, &r.Bills[i].Due)
	}
	for _, t := range times {
		if *t, ok = readBackTime(*t); !ok {
			return r, false
		}
	}
	for _, t := range []*time.Time{&f.LockedUntil, &r.BookedThrough} { // omitzero
		if t.IsZero() {
			*t = time.Time{}
		} else if *t, ok = readBackTime(*t); !ok {
			return r, false
		}
	}
	// Strings that are not UTF-8 would be changed by the encoding.
	return r, utf8.ValidString(f.Name) && utf8.ValidString(f.PasswordHash) && utf8.ValidString(string(f.Language))
}

// readBack is what the line written for r gives when it is read (see
// account.readBack).
func (r entry) readBack() (entry, bool) {
	var ok bool
	r.Time, ok = readBackTime(r.Time)
	for _, s := range []string{r.ID, r.Ref, r.Kind, r.Counterparty, r.Note} {
		ok = ok && utf8.ValidString(s)
	}
	return r, ok
}

// readBackTime is t encoded in JSON and decoded again. A time's JSON is
// its text in quotes, encoded and decoded by the same functions; the
// text is appended to a buffer on the stack, where MarshalJSON would
// allocate one (several times for each transfer, under the store's lock).
func readBackTime(t time.Time) (time.Time, bool) {
	var buf [len(time.RFC3339Nano) + 8]byte
	text, err := t.AppendText(buf[:0])
	if err != nil {
		return t, false
	}
	var back time.Time
	return back, back.UnmarshalText(text) == nil
}

func (r account) domain() core.Account {
	f := r.accountFields
	a := core.Account{Name: f.Name, PasswordHash: f.PasswordHash, Balance: f.Balance, CreditLimit: f.CreditLimit, Admin: f.Admin, Frozen: f.Frozen, Language: f.Language,
		FailedLogins: f.FailedLogins, LockedUntil: f.LockedUntil, Created: f.Created, Updated: f.Updated, BookedThrough: r.BookedThrough}
	for _, b := range r.Bills {
		a.Bills = append(a.Bills, core.Bill(b))
	}
	return a
}

type entry struct {
	ID           string     `json:"id"`
	Ref          string     `json:"ref"`
	Time         time.Time  `json:"time"`
	Kind         string     `json:"kind"`
	Counterparty string     `json:"counterparty,omitempty"`
	Amount       core.Money `json:"amount_fen"`
	BalanceAfter core.Money `json:"balance_after_fen"`
	Note         string     `json:"note,omitempty"`
}

type cartLine struct {
	Item     string     `json:"item"`
	Price    core.Money `json:"price_fen"`
	Quantity int        `json:"quantity"`
}

type order struct {
	ID    string     `json:"id"`
	Time  time.Time  `json:"time"`
	Lines []cartLine `json:"lines"`
	Total core.Money `json:"total_fen"`
}

type bankSettings struct {
	TimeZone string `json:"time_zone"`
}

func orderRecord(o core.Order) order {
	r := order{ID: o.ID, Time: o.Time, Lines: make([]cartLine, len(o.Lines)), Total: o.Total}
	for i, l := range o.Lines {
		r.Lines[i] = cartLine(l)
	}
	return r
}

func (r order) domain() core.Order {
	o := core.Order{ID: r.ID, Time: r.Time, Lines: make([]core.CartLine, len(r.Lines)), Total: r.Total}
	for i, l := range r.Lines {
		o.Lines[i] = core.CartLine(l)
	}
	return o
}

// decodeStrict refuses unknown fields and trailing data: a field the
// program doesn't know would be silently dropped by the next save.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON document")
	}
	return nil
}
