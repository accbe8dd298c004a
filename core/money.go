package core

import (
	"errors"
	"fmt"
	"math/big"
	"math/bits"
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
	return Refuse(ErrTooMuch, "That amount is too large: the most is %s.", MaxMoney)
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
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 16 {
		return 0, amountTooLarge(s)
	}
	yuan, _ := strconv.ParseInt("0"+whole, 10, 64) // at most 16 digits: fits
	fen, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	m := Money(yuan*100 + fen)
	if m > MaxMoney {
		return 0, amountTooLarge(s)
	}
	return m, nil
}

// amountTooLarge is ParseMoney's error for s, an amount above MaxMoney.
// It is made only when needed: formatting it cost more than the rest of
// parsing an amount, and every transfer parses one.
func amountTooLarge(s string) error {
	return fmt.Errorf("%w %q: %w: more than the maximum %s", ErrBadAmount, s, ErrAmountTooLarge, MaxMoney)
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
	if m < 0 {
		return "-" + formatFen(strconv.FormatUint(uint64(-m), 10))
	}
	return formatFen(strconv.FormatUint(uint64(m), 10))
}

// formatFen shows a non-negative number of fen, given as decimal digits,
// in yuan with two decimals and thousands separators.
func formatFen(fen string) string {
	if len(fen) < 3 {
		fen = strings.Repeat("0", 3-len(fen)) + fen
	}
	yuan, cents := fen[:len(fen)-2], fen[len(fen)-2:]
	var b strings.Builder
	for i, d := range yuan {
		if i > 0 && (len(yuan)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	b.WriteByte('.')
	b.WriteString(cents)
	return b.String()
}

// Total is a sum of non-negative amounts, such as a month's money in. It is
// 128 bits wide, so it cannot wrap however many amounts up to MaxMoney are
// added (that would take more than 2^64 of them), and it is comparable
// with ==. The zero value is 0.
type Total struct{ hi, lo uint64 }

// TotalOf is the total of the single non-negative amount m.
func TotalOf(m Money) Total {
	var t Total
	t.Add(m)
	return t
}

// Add adds the non-negative amount m to t.
func (t *Total) Add(m Money) {
	if m < 0 {
		panic(fmt.Sprintf("core.Total.Add(%d): a total only adds non-negative amounts", int64(m)))
	}
	var carry uint64
	t.lo, carry = bits.Add64(t.lo, uint64(m), 0)
	t.hi += carry
}

// String shows the total like Money.String, e.g. "1,234.50".
func (t Total) String() string {
	n := new(big.Int).SetUint64(t.hi)
	n.Lsh(n, 64).Or(n, new(big.Int).SetUint64(t.lo))
	return formatFen(n.String())
}
