package terminal_test

import (
	"context"
	"testing"
	"time"

	"atmshop/core"
)

func TestBillsScreens(t *testing.T) {
	f := newFixture(t)
	f.Bank.Settings.Credit = core.CreditRules{StatementDay: 22, DueDay: 10, DailyInterestPPM: 500, MinimumPaymentPercent: 10}
	f.Clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	out := f.script(t, "alice", "alice-pw", "4", "2000", "y", "2", "9", "q")
	assertContains(t, out, "You have no bills yet.")
	assertLacks(t, out, "Bill of")

	f.Clock.Set(time.Date(2026, 12, 22, 9, 0, 0, 0, time.UTC))
	out = f.script(t, "alice", "alice-pw", "2", "9", "6", "", "q")
	assertContains(t, out,
		"Bill of 2026-12-22: 1,100.00 owed, minimum payment 110.00, due 2027-01-10.",
		"Paid so far: 0.00. Left to pay: 1,100.00.",
		"Pay it in full by the due date to pay no interest; after it, every day costs 0.05% of the whole debt.",
		"2026-12-22        1,100.00          110.00  2027-01-10        1,100.00")

	f.Clock.Set(time.Date(2027, 1, 12, 9, 0, 0, 0, time.UTC))
	out = f.script(t, "alice", "alice-pw", "5", "100", "2", "6", "2027-01", "q")
	assertContains(t, out,
		"interest               -0.55",
		"Paid so far: 100.00. Left to pay: 1,000.00.",
		"The bill of 2026-12-22 is overdue: every day, interest of 0.05% of the whole debt is charged until 1,000.00 more is paid.")

	out = f.script(t, "root", "root-pw", "a", "9", "1", "b", "q")
	assertContains(t, out,
		"Bills and interest are up to date. Accounts changed: 0.",
		"The bank's own accounts (no one can log into them):",
		"-interest-income                       0.55")
	out = f.script(t, "bob", "bob-pw", "a", "q")
	assertLacks(t, out, "Bills and interest")
	if _, _, err := f.Bank.BookAll(context.Background(), "bob"); err == nil {
		t.Error("BookAll by a person who is not an admin: no refusal")
	}
}
