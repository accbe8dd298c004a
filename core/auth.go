package core

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"
)

// MaxPasswordBytes is bcrypt's limit: it ignores everything after the 72nd
// byte, so a longer password would be accepted by its first 72 bytes alone.
const MaxPasswordBytes = 72

// CheckNewPassword applies the rules for a password being set, so a
// screen can refuse it before asking more.
func (b *Bank) CheckNewPassword(password string) error {
	if n := len([]rune(password)); n < b.Settings.MinPasswordLength {
		return Refuse(ErrBadInput, "The password must be at least %d characters long.", b.Settings.MinPasswordLength)
	}
	if len(password) > MaxPasswordBytes {
		return Refuse(ErrBadInput, "The password is too long: at most %d bytes (a Chinese character takes 3).", MaxPasswordBytes)
	}
	return nil
}

// Authenticate checks a login. Every failure (an unknown or invalid name,
// a wrong password, a locked account, even with the right password) gets
// the same answer after the same work: one bcrypt comparison against a
// hash of the configured cost (a dummy hash when there is no real one to
// use), so neither the words nor the time tell a stranger whether a name
// exists. The reason goes to the log file only (FileOnlyField).
// Consecutive failures lock the account for a while, and the lock is kept
// with the account, so restarting the program doesn't lift it.
func (b *Bank) Authenticate(ctx context.Context, name, password string) (*Account, error) {
	log := b.Log.WithFields(logrus.Fields{"user": name, FileOnlyField: true})
	invalid := b.invalidLogin()
	if CheckUsername(name) != nil {
		b.compareDummy(password)
		log.Info("login failed: not a valid username")
		return nil, invalid
	}
	a, err := b.read(ctx, name)
	if errors.Is(err, ErrUnknownUser) {
		b.compareDummy(password)
		log.Info("login failed: no such user")
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if a.Locked(b.Now()) {
		b.compareDummy(password)
		log.Info("login refused: account locked")
		return nil, invalid
	}
	// bcrypt runs outside the transaction: it is slow on purpose.
	ok := b.checkPassword(a.PasswordHash, password)
	var locked bool
	if ok {
		err = b.update(ctx, func(tx Tx, now time.Time) error {
			a, err = b.load(tx, name)
			if err != nil {
				return err
			}
			if locked = a.Locked(now); locked {
				return nil // locked by another copy of the app meanwhile
			}
			if a.FailedLogins == 0 && a.LockedUntil.IsZero() {
				return nil // nothing to reset: no write
			}
			a.FailedLogins, a.LockedUntil = 0, time.Time{}
			return saveAccount(tx, a, now)
		})
	} else {
		a, locked, err = b.countFailure(ctx, name)
	}
	switch {
	case err != nil:
		return nil, err
	case ok && locked:
		log.Info("login refused: account locked")
		return nil, invalid
	case !ok && locked:
		log.WithField("until", a.LockedUntil.Format(time.RFC3339)).Info("login failed: wrong password; account locked")
		return nil, invalid
	case !ok:
		log.WithField("failures", a.FailedLogins).Info("login failed: wrong password")
		return nil, invalid
	case a.Frozen:
		// Only someone who knows the password learns this.
		log.Info("login refused: account frozen")
		return nil, frozenRefusal()
	}
	b.Log.WithField("user", name).Info("login ok")
	return a, nil
}

// countFailure records a wrong password for name, locking the account
// once the failures in a row reach MaxFailedLogins. locked reports whether
// the account is locked now. Logins and password changes share the count.
func (b *Bank) countFailure(ctx context.Context, name string) (a *Account, locked bool, err error) {
	err = b.update(ctx, func(tx Tx, now time.Time) error {
		a, err = b.load(tx, name)
		if err != nil {
			return err
		}
		if locked = a.Locked(now); locked {
			return nil // already locked: the lock is not extended
		}
		a.FailedLogins++
		if a.FailedLogins >= b.Settings.MaxFailedLogins {
			a.FailedLogins, a.LockedUntil = 0, now.Add(b.Settings.LockoutDuration)
			locked = true
		}
		return saveAccount(tx, a, now)
	})
	return a, locked, err
}

// invalidLogin is the one answer to every failed login. It states the
// lock rule for everyone, so a locked account answers like any other.
func (b *Bank) invalidLogin() error {
	return Refuse(ErrBadLogin, "Invalid username or password. %s", b.lockRule())
}

func (b *Bank) lockRule() Phrase {
	n, m := b.Settings.MaxFailedLogins, int(b.Settings.LockoutDuration/time.Minute)
	tries, minutes := Words("%d failed tries", n), Words("%d minutes", m)
	if n == 1 {
		tries = Words("1 failed try")
	}
	if m == 1 {
		minutes = Words("1 minute")
	}
	return Words("(After %s an account is locked for %s.)", tries, minutes)
}

// checkPassword reports whether password matches hash. It always makes
// exactly one comparison, even for a password bcrypt would refuse as too
// long, so the time taken does not depend on the password.
func (b *Bank) checkPassword(hash, password string) bool {
	compare := b.ComparePassword
	if compare == nil {
		compare = bcrypt.CompareHashAndPassword
	}
	p := []byte(password)
	if len(p) > MaxPasswordBytes {
		p = p[:MaxPasswordBytes] // bcrypt would return at once, without the work
	}
	return compare([]byte(hash), p) == nil && len(password) <= MaxPasswordBytes
}

// compareDummy does the work of checking a password when there is no
// hash to check it against, so a failure takes as long as any other.
func (b *Bank) compareDummy(password string) {
	b.checkPassword(dummyHash(b.Settings.BcryptCost), password)
}

// dummyHashes holds one hash per bcrypt cost, made the first time a login
// needs it.
var dummyHashes sync.Map // int (cost) -> string

func dummyHash(cost int) string {
	if h, ok := dummyHashes.Load(cost); ok {
		return h.(string)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("no account has this password"), cost)
	if err != nil {
		// Only an impossible cost fails; conf validates it. Fall back to
		// the default cost rather than answer faster.
		h, _ = bcrypt.GenerateFromPassword([]byte("no account has this password"), bcrypt.DefaultCost)
	}
	actual, _ := dummyHashes.LoadOrStore(cost, string(h))
	return actual.(string)
}

// ChangePassword replaces the password after checking the current one.
// A wrong current password counts as a failed login, with the same count
// and lock; once the account is locked the refusal's reason is ErrLocked
// and the caller ends the session.
func (b *Bank) ChangePassword(ctx context.Context, name, current, newPassword string) error {
	if err := b.CheckNewPassword(newPassword); err != nil {
		return err
	}
	a, err := b.Account(ctx, name)
	if err != nil {
		return err
	}
	log := b.Log.WithFields(logrus.Fields{"user": name, FileOnlyField: true})
	if a.Locked(b.Now()) {
		b.compareDummy(current)
		log.Info("password change refused: account locked")
		return b.lockedOut()
	}
	if !b.checkPassword(a.PasswordHash, current) {
		a, locked, err := b.countFailure(ctx, name)
		switch {
		case err != nil:
			return err
		case locked:
			log.WithField("until", a.LockedUntil.Format(time.RFC3339)).Info("password change refused: wrong current password; account locked")
			return b.lockedOut()
		}
		log.WithField("failures", a.FailedLogins).Info("password change refused: wrong current password")
		return Refuse(ErrBadLogin, "The current password is not correct; nothing was changed. %s", b.lockRule())
	}
	hash, err := b.hash(newPassword)
	if err != nil {
		return err
	}
	var locked bool
	err = b.update(ctx, func(tx Tx, now time.Time) error {
		a, err := b.active(tx, name)
		if err != nil {
			return err
		}
		if locked = a.Locked(now); locked {
			return nil // locked by another copy of the app meanwhile
		}
		a.PasswordHash, a.FailedLogins = hash, 0
		return saveAccount(tx, a, now)
	})
	switch {
	case err != nil:
		return err
	case locked:
		log.Info("password change refused: account locked")
		return b.lockedOut()
	}
	b.Log.WithField("user", name).Info("password changed")
	return nil
}

// lockedOut refuses a password change on a locked account, in the words of
// a wrong password, and says the session ends.
func (b *Bank) lockedOut() error {
	return Refuse(ErrLocked, "The current password is not correct; nothing was changed. %s You are logged out.", b.lockRule())
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
		return NotAdminRefusal()
	}
	return nil
}
