package core

import (
	"context"
	"errors"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// MaxPasswordBytes is bcrypt's limit: it ignores everything after the 72nd
// byte, so a longer password would be accepted by its first 72 bytes alone.
const MaxPasswordBytes = 72

// checkNewPassword applies the rules for a password being set.
func (b *Bank) checkNewPassword(password string) error {
	if n := len([]rune(password)); n < b.Settings.MinPasswordLength {
		return refuse(ErrBadInput, "The password must be at least %d characters long.", b.Settings.MinPasswordLength)
	}
	if len(password) > MaxPasswordBytes {
		return refuse(ErrBadInput, "The password is too long: at most %d bytes (a Chinese character takes 3).", MaxPasswordBytes)
	}
	return nil
}

// Authenticate checks a login. The person is told only "invalid username
// or password" for an unknown name or a wrong password; the log says which.
// Consecutive failures lock the account for a while, and the lock is kept
// in the account document, so restarting the program doesn't lift it.
func (b *Bank) Authenticate(ctx context.Context, name, password string) (*Account, error) {
	// Failures are logged at info, below the console's default warning
	// level: the console must not tell the person at the terminal which of
	// name and password was wrong. The log file gets them.
	log := b.Log.WithField("user", name)
	invalid := refuse(ErrBadLogin, "Invalid username or password.")
	if CheckUsername(name) != nil {
		log.Info("login failed: not a valid username")
		return nil, invalid
	}
	a, err := b.Account(ctx, name)
	var r *Refusal
	if errors.As(err, &r) && errors.Is(r, ErrUnknownUser) {
		log.Info("login failed: no such user")
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if refusal := lockedRefusal(a, b.Now()); refusal != nil {
		log.Info("login refused: account locked")
		return nil, refusal
	}
	// bcrypt runs outside the transaction: it is slow on purpose.
	ok := len(password) <= MaxPasswordBytes &&
		bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(password)) == nil
	err = b.update(ctx, func(tx Tx, now time.Time) error {
		a, err = b.load(tx, name)
		if err != nil {
			return err
		}
		if refusal := lockedRefusal(a, now); refusal != nil {
			return refusal // locked by another copy of the app meanwhile
		}
		if ok {
			if a.FailedLogins == 0 && a.LockedUntil.IsZero() {
				return nil // nothing to reset: no write
			}
			a.FailedLogins, a.LockedUntil = 0, time.Time{}
			return saveAccount(tx, a, now)
		}
		a.FailedLogins++
		if a.FailedLogins >= b.Settings.MaxFailedLogins {
			a.FailedLogins, a.LockedUntil = 0, now.Add(b.Settings.LockoutDuration)
		}
		return saveAccount(tx, a, now)
	})
	switch {
	case err != nil:
		return nil, err
	case !ok && !a.LockedUntil.IsZero():
		log.WithField("until", a.LockedUntil.Format(time.RFC3339)).Info("login failed: wrong password; account locked")
		return nil, lockedRefusal(a, b.Now())
	case !ok:
		log.WithField("failures", a.FailedLogins).Info("login failed: wrong password")
		return nil, invalid
	case a.Frozen:
		log.Info("login refused: account frozen")
		return nil, refuse(ErrFrozen, "Your account is frozen; please contact the bank.")
	}
	log.Info("login ok")
	return a, nil
}

func lockedRefusal(a *Account, now time.Time) error {
	if !a.Locked(now) {
		return nil
	}
	return refuse(ErrLocked, "Too many failed logins: the account is locked until %s.", a.LockedUntil.Format("2006-01-02 15:04:05"))
}

// ChangePassword replaces the password after checking the old one.
func (b *Bank) ChangePassword(ctx context.Context, name, old, new string) error {
	if err := b.checkNewPassword(new); err != nil {
		return err
	}
	a, err := b.Account(ctx, name)
	if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(old)) != nil {
		b.Log.WithField("user", name).Info("password change refused: wrong old password")
		return refuse(ErrBadLogin, "The current password is not correct; nothing was changed.")
	}
	hash, err := b.hash(new)
	if err != nil {
		return err
	}
	err = b.update(ctx, func(tx Tx, now time.Time) error {
		a, err := b.active(tx, name)
		if err != nil {
			return err
		}
		a.PasswordHash = hash
		return saveAccount(tx, a, now)
	})
	if err == nil {
		b.Log.WithField("user", name).Info("password changed")
	}
	return err
}

// requireAdmin guards the Bank methods that only admins may call. The menu
// hides them from others too, but the rule lives here, next to the data.
func (b *Bank) requireAdmin(tx Tx, actor string) error {
	a, err := b.active(tx, actor)
	if err != nil {
		return err
	}
	if !a.Admin {
		b.Log.WithField("user", actor).Warn("admin action refused: not an admin")
		return refuse(ErrNotAdmin, "Only an administrator can do that.")
	}
	return nil
}
