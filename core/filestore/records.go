package filestore

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"time"

	"atmshop/core"
)

// The stored forms of core's types. Their fields are core's, in the same
// order, so a conversion between the two costs nothing; the tags are the
// file format, and must not change.

type account struct {
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
