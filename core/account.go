package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// Account is one user's document, stored as db/accounts/<name>.json.
type Account struct {
	Name         string    `json:"name"`
	PasswordHash string    `json:"password_hash"`
	Balance      Money     `json:"balance_fen"`
	CreditLimit  Money     `json:"credit_limit_fen"`
	Admin        bool      `json:"admin"`
	Frozen       bool      `json:"frozen"`
	FailedLogins int       `json:"failed_logins"`
	LockedUntil  time.Time `json:"locked_until,omitzero"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// Available is what the account may still spend: its balance plus its
// credit limit.
func (a *Account) Available() Money { return a.Balance + a.CreditLimit }

// Owed is what the account owes the bank: the part of the balance below zero.
func (a *Account) Owed() Money { return max(0, -a.Balance) }

// Locked reports whether failed logins have locked the account at now.
func (a *Account) Locked(now time.Time) bool { return now.Before(a.LockedUntil) }

func accountDoc(name string) string { return "accounts/" + name + ".json" }

// ErrCorrupt is wrapped by every document that is not what the app wrote.
// Such a file is reported, never overwritten or "fixed".
var ErrCorrupt = errors.New("corrupt document")

// loadAccount reads and checks an account. A missing account is a
// *Refusal (ErrUnknownUser); a damaged file is ErrCorrupt naming the file.
func loadAccount(st Store, tx Tx, name string) (*Account, error) {
	if err := CheckUsername(name); err != nil {
		return nil, refuse(ErrUnknownUser, "There is no account named %q.", truncate(name))
	}
	doc := accountDoc(name)
	data, err := tx.Get(doc)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, refuse(ErrUnknownUser, "There is no account named %q.", name)
	}
	if err != nil {
		return nil, fmt.Errorf("read account %s: %w", name, err)
	}
	var a Account
	if err := decodeStrict(data, &a); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrCorrupt, st.Path(doc), err)
	}
	if err := a.check(name); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrCorrupt, st.Path(doc), err)
	}
	return &a, nil
}

// check refuses values the app can never have written.
func (a *Account) check(name string) error {
	switch {
	case a.Name != name:
		return fmt.Errorf("name %q does not match the file name", a.Name)
	case a.PasswordHash == "":
		return errors.New("password_hash is empty")
	case a.Balance > MaxMoney || a.Balance < -MaxMoney:
		return fmt.Errorf("balance_fen %d is out of range", a.Balance)
	case a.CreditLimit < 0 || a.CreditLimit > MaxMoney:
		return fmt.Errorf("credit_limit_fen %d is out of range", a.CreditLimit)
	case a.Balance < -a.CreditLimit:
		return fmt.Errorf("balance_fen %d is below the credit limit %d", a.Balance, a.CreditLimit)
	case a.FailedLogins < 0:
		return fmt.Errorf("failed_logins %d is negative", a.FailedLogins)
	}
	return nil
}

func saveAccount(tx Tx, a *Account, now time.Time) error {
	a.Updated = now
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return fmt.Errorf("encode account %s: %w", a.Name, err)
	}
	return tx.Put(accountDoc(a.Name), append(data, '\n'))
}

// decodeStrict refuses unknown fields and trailing data: a field the app
// doesn't know would be silently dropped by the next save.
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
