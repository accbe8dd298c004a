package core

import (
	"context"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
)

// Language is a language the program speaks to a person in. The empty
// Language is no choice: the front end follows its setting or the
// terminal's environment.
type Language string

// The languages the program speaks.
const (
	English Language = "en"
	Chinese Language = "zh"
)

// Languages are the languages the program speaks, in menu order.
var Languages = []Language{English, Chinese}

// CheckLanguage refuses a Language other than those the program speaks or
// the empty one. Adapters call it on every account they read.
func CheckLanguage(l Language) error {
	if l == "" || l == English || l == Chinese {
		return nil
	}
	return fmt.Errorf("language %q is not one of en, zh or empty", string(l))
}

// SetLanguage stores the language a person chose for themselves; the
// empty Language goes back to following the terminal.
func (b *Bank) SetLanguage(ctx context.Context, name string, l Language) error {
	if err := CheckLanguage(l); err != nil {
		return Refuse(ErrBadInput, "That language is not available.")
	}
	err := b.update(ctx, func(tx Tx, now time.Time) error {
		a, err := b.active(tx, name)
		if err != nil {
			return err
		}
		a.Language = l
		return saveAccount(tx, a, now)
	})
	if err == nil {
		b.Log.WithFields(logrus.Fields{"user": name, "language": string(l)}).Info("language set")
	}
	return err
}
