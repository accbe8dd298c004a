package conf

import (
	"errors"
	"strconv"
	"strings"
)

// creditSettings are the [credit] section: the credit card's month. Their
// names are part of the interface.
var creditSettings = []setting{
	wholeNumber("statement_day", "22", 1, 31, "day of the month", func(c *Config, n int) { c.App.Credit.StatementDay = n }),
	wholeNumber("due_day", "10", 1, 31, "day of the month", func(c *Config, n int) { c.App.Credit.DueDay = n }),
	{"daily_interest", "0.05%", func(c *Config, v string) error {
		ppm, err := parseDailyPercent(v)
		if err != nil {
			return err
		}
		c.App.Credit.DailyInterestPPM = ppm
		return nil
	}},
	wholeNumber("minimum_payment_percent", "10", 0, 100, "percent", func(c *Config, n int) { c.App.Credit.MinimumPaymentPercent = n }),
}

// maxDailyPercent bounds daily_interest: 10% a day is already usury.
const maxDailyPercent = 10

// parseDailyPercent reads a percentage written with its sign and at most
// four decimals ("0.05%") as parts per million: 0.05% is 500.
func parseDailyPercent(v string) (int64, error) {
	bad := errors.New("want a percentage from 0% to 10% with at most four decimals, such as 0.05%")
	num, ok := strings.CutSuffix(strings.TrimSpace(v), "%")
	if !ok {
		return 0, bad
	}
	whole, frac, _ := strings.Cut(num, ".")
	if whole == "" || len(whole) > 2 || len(frac) > 4 || !digits(whole) || !digits(frac) {
		return 0, bad
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt((frac + "0000")[:4], 10, 64)
	ppm := w*10_000 + f
	if ppm > maxDailyPercent*10_000 {
		return 0, bad
	}
	return ppm, nil
}

// digits reports whether s is only ASCII digits ("" is).
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
