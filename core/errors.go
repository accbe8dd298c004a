package core

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Refusal is an error written for the person at the terminal: the action
// was refused for a reason they can act on, and nothing was changed.
type Refusal struct {
	Reason error // a sentinel below, for errors.Is in tests
	// Msg is the sentence in English, for the log and tests.
	Msg string
	// Sentence is Msg before formatting: the front end looks its format up
	// in its catalog and shows the sentence in the person's language.
	Sentence Phrase
}

func (r *Refusal) Error() string { return r.Msg }
func (r *Refusal) Unwrap() error { return r.Reason }

// Refuse makes a *Refusal with reason and a sentence for the person: an
// English format and its arguments, which may be Phrases themselves.
func Refuse(reason error, format string, args ...any) error {
	p := Phrase{Format: format, Args: args}
	return &Refusal{Reason: reason, Msg: p.String(), Sentence: p}
}

// Phrase is words for a person that a front end may translate: an English
// format string, the key of the translations, and its arguments. It prints
// as English, so it can be an argument of another Phrase or of a log line.
type Phrase struct {
	Format string
	Args   []any
}

// Words makes a Phrase.
func Words(format string, args ...any) Phrase { return Phrase{Format: format, Args: args} }

func (p Phrase) String() string { return fmt.Sprintf(p.Format, p.Args...) }

// Reasons for refusals. Tests match them with errors.Is.
var (
	ErrBadInput          = errors.New("bad input")
	ErrInsufficientFunds = errors.New("insufficient funds")
	ErrUnknownUser       = errors.New("unknown user")
	ErrSelfTransfer      = errors.New("transfer to oneself")
	ErrFrozen            = errors.New("account frozen")
	ErrLocked            = errors.New("account locked")
	ErrBadLogin          = errors.New("invalid username or password")
	ErrExists            = errors.New("account exists")
	ErrTooMuch           = errors.New("amount too large")
	ErrNotAdmin          = errors.New("not an admin")
)

// Excerpt shortens user input quoted back in a message, so a pasted
// megabyte doesn't flood the screen. It keeps whole characters.
func Excerpt(s string) string {
	const maxRunes = 40
	i, n := 0, 0
	for i < len(s) && n < maxRunes {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	if i == len(s) {
		return s
	}
	return s[:i] + "…"
}

// FileOnlyField marks a log entry that must reach the log file and never
// the console (the reason a login failed, say): the console sink skips
// entries that have this field set to true.
const FileOnlyField = "file_only"

// Refusals given in more than one place.
func frozenRefusal() error {
	return Refuse(ErrFrozen, "Your account is frozen; please contact the bank.")
}

// NotAdminRefusal refuses an admin action to someone who is not one.
func NotAdminRefusal() error {
	return Refuse(ErrNotAdmin, "Only an administrator can do that.")
}

// NewIncident names one internal error: the person quotes it, the operator
// finds it in the log.
func NewIncident() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported systems
	return "i-" + hex.EncodeToString(b[:])
}
