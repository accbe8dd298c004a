package core

import (
	"errors"
	"time"

	"atmshop/lib/portablename"
)

// Settings are the rules of the app that come from configuration. conf
// builds them from config.ini; tests build them directly.
type Settings struct {
	// SessionTimeout is how long a login lasts after the last action.
	SessionTimeout time.Duration
	// CreditLimit is the limit given to accounts that don't set their own.
	CreditLimit Money
	// WithdrawFeePercent is charged on top of every cash withdrawal.
	WithdrawFeePercent int
	// MaxFailedLogins consecutive failures lock an account for LockoutDuration.
	MaxFailedLogins int
	LockoutDuration time.Duration
	// MinPasswordLength applies to new passwords (change password, admin add).
	MinPasswordLength int
	// BcryptCost is the work factor for new password hashes.
	BcryptCost int
	// Catalog is what the shop sells, in display order.
	Catalog []Item
	// Credit are the rules of the credit card's month: bills, due dates
	// and interest.
	Credit CreditRules
}

// Item is one line of the shop's catalog.
type Item struct {
	Name  string
	Price Money
}

// UserSeed is a user declared in configuration. It becomes an account the
// first time the app starts with it; after that the account in storage is
// the truth and the seed is ignored.
type UserSeed struct {
	Name        string
	Password    string
	Balance     Money
	CreditLimit Money
	Admin       bool
}

// MaxUsernameLength keeps names short enough for a file name on every system.
const MaxUsernameLength = 32

// ErrBadUsername is wrapped by every name CheckUsername refuses.
var ErrBadUsername = errors.New("invalid username")

// badUsername says what is wrong with a name, in words a person can be
// shown (see usernameRefusal).
type badUsername struct{ why Phrase }

func (e badUsername) Error() string { return ErrBadUsername.Error() + ": " + e.why.String() }
func (e badUsername) Unwrap() error { return ErrBadUsername }

// CheckUsername accepts plain identifiers only: lower-case ASCII letters,
// digits, '_' and '-', not starting with '-'. A name is also a file name in
// storage, so anything that could name another path ("../x", "a/b") never
// gets near one, and lower case keeps "Alex" and "alex" from sharing a file
// on case-insensitive file systems (macOS, Windows). Names Windows reserves
// for devices (con, com0, lpt9, …) are refused by the same rule the store
// uses, lib/portablename.
func CheckUsername(name string) error {
	if name == "" {
		return badUsername{Words("it is empty")}
	}
	if len(name) > MaxUsernameLength {
		return badUsername{Words("longer than %d characters", MaxUsernameLength)}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' && i > 0
		if !ok {
			return badUsername{Words("use only lower-case letters, digits, '_' and '-'")}
		}
	}
	if portablename.IsWindowsReserved(name) {
		return badUsername{Words("%q is reserved", name)}
	}
	return nil
}
