package core

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in fen (hundredths of a yuan). Integers keep every sum
// exact; a float would turn 0.1+0.2 into 0.30000000000000004.
type Money int64

// MaxMoney bounds every amount and balance. It is far above any real balance
// and far below the int64 limit, so adding or subtracting two valid amounts
// can never overflow.
const MaxMoney Money = 1_000_000_000_000_000_00 // one quadrillion yuan

// ErrBadAmount is wrapped by every amount that ParseMoney refuses.
var ErrBadAmount = errors.New("invalid amount")

// ErrAmountTooLarge is wrapped, with ErrBadAmount, by a well-formed amount
// above MaxMoney, so it can be told apart from a malformed one.
var ErrAmountTooLarge = errors.New("amount too large")

// TooLargeRefusal tells the person that an amount they typed is above
// MaxMoney, and what the most is.
func TooLargeRefusal() error {
	return refuse(ErrTooMuch, "That amount is too large: the most is %s.", MaxMoney)
}

// ParseMoney reads a non-negative amount in yuan written as digits with at
// most two decimals: "100", "100.5", "0.01". Signs, exponents, separators
// and more than two decimals are refused rather than guessed at.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasPoint && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("%w %q: write digits with at most two decimals, like 100 or 99.50", ErrBadAmount, s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%w %q: at most two decimals (fen) are allowed", ErrBadAmount, s)
	}
	tooLarge := fmt.Errorf("%w %q: %w: more than the maximum %s", ErrBadAmount, s, ErrAmountTooLarge, MaxMoney)
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 16 {
		return 0, tooLarge
	}
	yuan, _ := strconv.ParseInt("0"+whole, 10, 64) // at most 16 digits: fits
	fen, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	m := Money(yuan*100 + fen)
	if m > MaxMoney {
		return 0, tooLarge
	}
	return m, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String shows the amount in yuan with two decimals and thousands
// separators, e.g. "-1,234.50".
func (m Money) String() string {
	sign := ""
	u := uint64(m)
	if m < 0 {
		sign = "-"
		u = uint64(-m)
	}
	digits := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	b.WriteString(sign)
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	fmt.Fprintf(&b, ".%02d", u%100)
	return b.String()
}
