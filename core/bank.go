package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"
)

// Bank applies the money rules to accounts in storage. Every method is one
// storage transaction: it re-reads what it needs, so a balance read earlier
// (at login, say) is never written back stale.
type Bank struct {
	Store    Store
	Settings Settings
	Now      func() time.Time
	Log      *logrus.Entry
	// Zone is the bank's time zone: ledger months and statements follow
	// it, whatever the zone of the process. SetUpZone fixes it for a bank's
	// data; nil means UTC.
	Zone *time.Location
	// ComparePassword checks a password against its bcrypt hash; nil
	// means bcrypt.CompareHashAndPassword. Tests count the calls.
	ComparePassword func(hash, password []byte) error
}

// zone is the bank's time zone, UTC if none is set.
func (b *Bank) zone() *time.Location {
	if b.Zone == nil {
		return time.UTC
	}
	return b.Zone
}

// NowInZone is the current time in the bank's time zone: "this month" for
// a statement.
func (b *Bank) NowInZone() time.Time { return b.Now().In(b.zone()) }

// update runs fn in a transaction with the current time.
func (b *Bank) update(ctx context.Context, fn func(tx Tx, now time.Time) error) error {
	now := b.Now()
	return b.Store.Update(ctx, func(tx Tx) error { return fn(tx, now) })
}

func (b *Bank) load(tx Tx, name string) (*Account, error) { return loadAccount(tx, name) }

// active loads the logged-in user's account and refuses if it has been
// frozen since they logged in.
func (b *Bank) active(tx Tx, name string) (*Account, error) {
	a, err := b.load(tx, name)
	if err != nil {
		return nil, err
	}
	return a, checkActive(a)
}

// checkActive refuses a payment from a frozen account.
func checkActive(a *Account) error {
	if a.Frozen {
		return frozenRefusal()
	}
	return nil
}

// checkAvailable refuses if taking amount out of a would go past its credit
// limit; it changes nothing.
func checkAvailable(a *Account, amount Money, what Phrase) error {
	if amount > a.Available() {
		return Refuse(ErrInsufficientFunds, "Insufficient funds: %s needs %s but only %s is available.", what, amount, a.Available())
	}
	return nil
}

// checkCanReceive checks that amount can be added to a without passing MaxMoney.
func checkCanReceive(a *Account, amount Money) error {
	if a.Balance > MaxMoney-amount {
		return Refuse(ErrTooMuch, "That would take the balance of %s past the maximum %s.", a.Name, MaxMoney)
	}
	return nil
}

// CheckPositive refuses an amount of 0 or less.
func CheckPositive(amount Money) error {
	if amount <= 0 {
		return Refuse(ErrBadInput, "The amount must be more than 0.")
	}
	return nil
}

// Bootstrap creates an account for every seed that has none yet. Existing
// accounts are left alone: after the first start, storage is the truth.
func (b *Bank) Bootstrap(ctx context.Context, seeds []UserSeed) error {
	var missing []UserSeed
	err := b.Store.View(ctx, func(tx Tx) error {
		for _, s := range seeds {
			exists, err := tx.HasAccount(s.Name)
			if err != nil {
				return fmt.Errorf("check account %s: %w", s.Name, err)
			}
			if !exists {
				missing = append(missing, s)
			}
		}
		return nil
	})
	if err != nil || len(missing) == 0 {
		return err
	}
	// Hash outside the transaction: bcrypt is deliberately slow and other
	// processes wait for the lock.
	hashes := make([]string, len(missing))
	for i, s := range missing {
		if hashes[i], err = b.hash(s.Password); err != nil {
			return fmt.Errorf("user %s: %w", s.Name, err)
		}
	}
	return b.update(ctx, func(tx Tx, now time.Time) error {
		for i, s := range missing {
			err := b.create(tx, now, Account{Name: s.Name, PasswordHash: hashes[i], CreditLimit: s.CreditLimit, Admin: s.Admin}, s.Balance, "from config")
			if err != nil && !errors.Is(err, ErrExists) { // another copy of the app won the race
				return err
			}
		}
		return nil
	})
}

// create stores a new account and its opening balance.
func (b *Bank) create(tx Tx, now time.Time, a Account, opening Money, note string) error {
	if err := checkFree(tx, a.Name); err != nil {
		return err
	}
	a.Created = now
	if opening != 0 {
		ref := newID("o")
		if _, err := b.book(tx, &a, Entry{Ref: ref, Time: now, Kind: KindOpening, Amount: opening, Note: note}, SystemEquity, now); err != nil {
			return err
		}
		b.Log.WithFields(logrus.Fields{"ref": ref, "user": a.Name, "amount": opening.String()}).Info("opening balance")
	}
	b.Log.WithField("user", a.Name).Info("account created")
	return saveAccount(tx, &a, now)
}

// checkFree refuses a name that an account, readable or not, already has.
func checkFree(tx Tx, name string) error {
	exists, err := tx.HasAccount(name)
	if err != nil {
		return fmt.Errorf("check account %s: %w", name, err)
	}
	if exists {
		return Refuse(ErrExists, "An account named %q already exists.", name)
	}
	return nil
}

func (b *Bank) hash(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), b.Settings.BcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// Account returns the current state of the named account. If a day has
// ended since its bills and interest were booked, it books them first.
func (b *Bank) Account(ctx context.Context, name string) (*Account, error) {
	a, err := b.read(ctx, name)
	if err == nil && b.behind(a, b.Now()) {
		if _, err = b.bookUp(ctx, name); err == nil {
			a, err = b.read(ctx, name)
		}
	}
	if err != nil {
		return nil, err
	}
	b.inZone(a)
	return a, nil
}

// read is the account as stored, without booking its days: a login reads
// it so, so that a wrong password does the same work for every name.
func (b *Bank) read(ctx context.Context, name string) (*Account, error) {
	var a *Account
	err := b.Store.View(ctx, func(tx Tx) (err error) {
		a, err = b.load(tx, name)
		return err
	})
	return a, err
}

// TransferRequest is one transfer a person asked for. Its Ref is made
// (NewTransferRef) before the first attempt and kept for every retry of
// the same request, so a retry of a transfer that was applied reports it
// instead of applying it again.
type TransferRequest struct {
	Ref      string
	From, To string
	Amount   Money
	// Retry says an earlier attempt with this Ref may have been applied
	// (it failed without a refusal): the bank then searches the sender's
	// ledger further back for Ref.
	Retry bool
}

// NewTransferRef makes the ref of a new transfer request.
func NewTransferRef() string { return newID("t") }

// Transfer moves req.Amount from req.From to req.To and records both
// sides under req.Ref. It is refused, with nothing changed, for an unknown
// or frozen recipient, for oneself, and beyond the sender's available
// funds. If req.Ref is already in the sender's ledger, the transfer was
// applied by an earlier attempt: Transfer changes nothing and reports that
// one (the ref it returns is the same).
func (b *Bank) Transfer(ctx context.Context, req TransferRequest) (ref string, err error) {
	if req.Ref == "" {
		return "", errors.New("transfer request without a ref")
	}
	if err := CheckPositive(req.Amount); err != nil {
		return "", err
	}
	from, to, amount := req.From, req.To, req.Amount
	var again bool
	err = b.update(ctx, func(tx Tx, now time.Time) error {
		// An applied request is reported as applied, even if the
		// account has been frozen since.
		src, err := b.load(tx, from)
		if err != nil {
			return err
		}
		if earlier, err := tx.FindRef(from, req.Ref, req.Retry); err != nil || earlier != nil {
			if err == nil && (earlier.Kind != KindTransferOut || earlier.Counterparty != to || earlier.Amount != -amount) {
				err = fmt.Errorf("transfer ref %s is already used by a %s of %s with %q", req.Ref, earlier.Kind, earlier.Amount, earlier.Counterparty)
			}
			again = err == nil
			return err
		}
		if err := checkActive(src); err != nil {
			return err
		}
		dst, err := b.recipient(tx, from, to)
		if err != nil {
			return err
		}
		// Interest due on either side is posted before the checks.
		if err := b.catchUp(tx, src, now); err != nil {
			return err
		}
		if err := b.catchUp(tx, dst, now); err != nil {
			return err
		}
		if err := checkAvailable(src, amount, Words("this transfer")); err != nil {
			return err
		}
		if err := checkCanReceive(dst, amount); err != nil {
			return err
		}
		// Both sides get one time, not earlier than either ledger's latest
		// entry, so they are in the same month.
		srcLast, err := tx.LastEntry(from)
		if err != nil {
			return err
		}
		dstLast, err := tx.LastEntry(to)
		if err != nil {
			return err
		}
		at := notBefore(srcLast, notBefore(dstLast, now))
		if _, err := b.record(tx, src, Entry{Ref: req.Ref, Time: at, Kind: KindTransferOut, Counterparty: to, Amount: -amount}); err != nil {
			return err
		}
		if _, err := b.record(tx, dst, Entry{Ref: req.Ref, Time: at, Kind: KindTransferIn, Counterparty: from, Amount: amount}); err != nil {
			return err
		}
		if err := saveAccount(tx, src, now); err != nil {
			return err
		}
		return saveAccount(tx, dst, now)
	})
	if err != nil {
		return "", err
	}
	log := b.Log.WithFields(logrus.Fields{"ref": req.Ref, "from": from, "to": to, "amount": amount.String()})
	if again {
		log.Info("transfer already applied by an earlier attempt; not applied again")
	} else {
		log.Info("transfer")
	}
	return req.Ref, nil
}

// CheckRecipient tells early whether to can receive a transfer from from,
// so the person isn't asked for an amount in vain. Transfer checks again.
// A store that can peek (AccountPeeker) answers without a transaction when
// the account it reads can receive; any other answer is confirmed in a
// transaction, so a refusal never rests on a peek.
func (b *Bank) CheckRecipient(ctx context.Context, from, to string) error {
	// CheckUsername as load checks it: the bank's own accounts are files
	// too, and no person may pay one.
	if p, ok := b.Store.(AccountPeeker); ok && CheckUsername(to) == nil {
		if a, err := p.PeekAccount(to); err == nil && canReceive(from, a) == nil {
			return nil
		}
	}
	return b.Store.View(ctx, func(tx Tx) error {
		_, err := b.recipient(tx, from, to)
		return err
	})
}

func (b *Bank) recipient(tx Tx, from, to string) (*Account, error) {
	if from == to {
		return nil, selfTransfer()
	}
	dst, err := b.load(tx, to)
	if err != nil {
		return nil, err
	}
	if err := canReceive(from, dst); err != nil {
		return nil, err
	}
	return dst, nil
}

// canReceive refuses dst as the recipient of a transfer from from. The
// transfer's transaction and CheckRecipient's peek both ask it.
func canReceive(from string, dst *Account) error {
	switch {
	case dst.Name == from:
		return selfTransfer()
	case dst.Frozen:
		return Refuse(ErrFrozen, "The account %s is frozen and cannot receive transfers.", dst.Name)
	}
	return nil
}

func selfTransfer() error {
	return Refuse(ErrSelfTransfer, "You cannot transfer money to yourself.")
}

// WithdrawFee is the fee on a withdrawal of amount: WithdrawFeePercent of
// it, rounded half up to the nearest fen (0.5 fen and more rounds up).
func (b *Bank) WithdrawFee(amount Money) Money {
	pct := Money(b.Settings.WithdrawFeePercent)
	// Split amount so amount*pct cannot overflow near MaxMoney.
	return amount/100*pct + (amount%100*pct+50)/100
}

// Withdraw pays out cash and charges the fee on top; both must fit in what
// is available.
func (b *Bank) Withdraw(ctx context.Context, name string, amount Money) (fee Money, err error) {
	if err := CheckPositive(amount); err != nil {
		return 0, err
	}
	fee = b.WithdrawFee(amount)
	var ref string
	err = b.update(ctx, func(tx Tx, now time.Time) error {
		a, err := b.active(tx, name)
		if err != nil {
			return err
		}
		if err := b.catchUp(tx, a, now); err != nil {
			return err
		}
		if err := checkAvailable(a, amount+fee, Words("withdrawing %s with its %s fee", amount, fee)); err != nil {
			return err
		}
		ref = newID("w")
		if _, err := b.book(tx, a, Entry{Ref: ref, Time: now, Kind: KindWithdrawal, Amount: -amount}, SystemCash, now); err != nil {
			return err
		}
		if fee > 0 {
			if _, err := b.book(tx, a, Entry{Ref: ref, Time: now, Kind: KindFee, Amount: -fee, Note: fmt.Sprintf("%d%% withdrawal fee", b.Settings.WithdrawFeePercent)}, SystemFeeIncome, now); err != nil {
				return err
			}
		}
		return saveAccount(tx, a, now)
	})
	if err == nil {
		b.Log.WithFields(logrus.Fields{"ref": ref, "user": name, "amount": amount.String(), "fee": fee.String()}).Info("withdrawal")
	}
	return fee, err
}

// Repay pays money into the account.
func (b *Bank) Repay(ctx context.Context, name string, amount Money) error {
	if err := CheckPositive(amount); err != nil {
		return err
	}
	var ref string
	err := b.update(ctx, func(tx Tx, now time.Time) error {
		a, err := b.active(tx, name)
		if err != nil {
			return err
		}
		if err := b.catchUp(tx, a, now); err != nil {
			return err
		}
		if err := checkCanReceive(a, amount); err != nil {
			return err
		}
		ref = newID("r")
		if _, err := b.book(tx, a, Entry{Ref: ref, Time: now, Kind: KindRepayment, Amount: amount}, SystemCash, now); err != nil {
			return err
		}
		return saveAccount(tx, a, now)
	})
	if err == nil {
		b.Log.WithFields(logrus.Fields{"ref": ref, "user": name, "amount": amount.String()}).Info("repayment")
	}
	return err
}
