package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"atmshop/core"

	"golang.org/x/crypto/bcrypt"
)

// comparisons counts the password comparisons a Bank makes and the bcrypt
// cost of each hash it compares against.
type comparisons struct{ costs []int }

func (c *comparisons) install(b *core.Bank) {
	b.ComparePassword = func(hash, password []byte) error {
		cost, err := bcrypt.Cost(hash)
		if err != nil {
			cost = -1
		}
		c.costs = append(c.costs, cost)
		return bcrypt.CompareHashAndPassword(hash, password)
	}
}

const invalidLogin = "Invalid username or password. (After 3 failed tries an account is locked for 15 minutes.)"

// Every failed login gets the same answer after the same work, so neither
// the words nor the time tell a stranger whether a name exists or is
// locked: exactly one bcrypt comparison, against a hash of the configured
// cost.
func TestFailedLoginsLookAlike(t *testing.T) {
	lockBob := func(t *testing.T, f *fixture) {
		for range 3 {
			f.Bank.Authenticate(context.Background(), "bob", "wrong")
		}
	}
	for _, tc := range []struct {
		name, user, password string
		setup                func(*testing.T, *fixture)
	}{
		{"unknown name", "nobody", "whatever", nil},
		{"invalid name", "../root", "whatever", nil},
		{"empty password", "bob", "", nil},
		{"wrong password", "bob", "wrong", nil},
		{"too long a password", "bob", "bob-pw" + strings.Repeat("x", 80), nil},
		{"wrong password, third try locks", "bob", "wrong", func(t *testing.T, f *fixture) {
			f.Bank.Authenticate(context.Background(), "bob", "wrong")
			f.Bank.Authenticate(context.Background(), "bob", "wrong")
		}},
		{"locked, wrong password", "bob", "wrong", lockBob},
		{"locked, right password", "bob", "bob-pw", lockBob},
		{"lock expired, wrong password", "bob", "wrong", func(t *testing.T, f *fixture) {
			lockBob(t, f)
			f.Clock.Advance(16 * time.Minute)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			var c comparisons
			c.install(f.Bank)
			_, err := f.Bank.Authenticate(context.Background(), tc.user, tc.password)
			if err == nil || err.Error() != invalidLogin {
				t.Errorf("got %v, want %q", err, invalidLogin)
			}
			if !errors.Is(err, core.ErrBadLogin) {
				t.Errorf("got %v, want ErrBadLogin", err)
			}
			if len(c.costs) != 1 || c.costs[0] != f.Bank.Settings.BcryptCost {
				t.Errorf("compared against hashes of costs %v, want exactly one of cost %d", c.costs, f.Bank.Settings.BcryptCost)
			}
		})
	}
}

func TestRightPasswordComparesOnce(t *testing.T) {
	f := newFixture(t)
	var c comparisons
	c.install(f.Bank)
	if _, err := f.Bank.Authenticate(context.Background(), "bob", "bob-pw"); err != nil {
		t.Fatal(err)
	}
	if len(c.costs) != 1 {
		t.Errorf("%d comparisons, want 1", len(c.costs))
	}
}

func TestChangePasswordSharesTheLoginCount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for range 2 {
		f.Bank.Authenticate(ctx, "bob", "wrong")
	}
	err := f.Bank.ChangePassword(ctx, "bob", "wrong", "new-secret")
	if !errors.Is(err, core.ErrLocked) {
		t.Errorf("third failure: %v, want ErrLocked", err)
	}
	// Locked: even the right current password is refused, after one
	// comparison like any other.
	var c comparisons
	c.install(f.Bank)
	if err := f.Bank.ChangePassword(ctx, "bob", "bob-pw", "new-secret"); !errors.Is(err, core.ErrLocked) {
		t.Errorf("while locked: %v, want ErrLocked", err)
	}
	if len(c.costs) != 1 {
		t.Errorf("%d comparisons while locked, want 1", len(c.costs))
	}
}
