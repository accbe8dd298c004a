package core_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"atmshop/core"
)

// shipped are the [credit] rules of the shipped config.ini.
var shipped = core.CreditRules{StatementDay: 22, DueDay: 10, DailyInterestPPM: 500, MinimumPaymentPercent: 10}

// creditFixture is banktest's bank with rules, in the bank's zone loc,
// its clock at the given day and hour, with alice owing owed.
func creditFixture(t *testing.T, rules core.CreditRules, loc *time.Location, start time.Time, owed core.Money) *fixture {
	t.Helper()
	f := newFixture(t)
	f.Bank.Settings.Credit = rules
	f.Bank.Zone = loc
	f.Clock.Set(start)
	f.setBalance(t, "alice", -owed)
	return f
}

// setBalance takes name's balance to balance with a withdrawal or a
// repayment, fee-free, at the clock's time.
func (f *fixture) setBalance(t *testing.T, name string, balance core.Money) {
	t.Helper()
	ctx := context.Background()
	fee := f.Bank.Settings.WithdrawFeePercent
	f.Bank.Settings.WithdrawFeePercent = 0
	defer func() { f.Bank.Settings.WithdrawFeePercent = fee }()
	now := f.Balance(t, name)
	switch {
	case balance < now:
		if _, err := f.Bank.Withdraw(ctx, name, now-balance); err != nil {
			t.Fatal(err)
		}
	case balance > now:
		if err := f.Bank.Repay(ctx, name, balance-now); err != nil {
			t.Fatal(err)
		}
	}
}

// interest lists name's interest entries, oldest first.
func (f *fixture) interest(name string) []core.Entry {
	var list []core.Entry
	ledger := f.Store.Ledger(name)
	for m := (core.Month{Year: 2026, Month: 1}); m.Year < 2030; m = m.Next() {
		for _, e := range ledger[m] {
			if e.Kind == core.KindInterest {
				list = append(list, e)
			}
		}
	}
	return list
}

func (f *fixture) bills(t *testing.T, name string) []core.Bill {
	t.Helper()
	bills, err := f.Bank.Bills(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return bills
}

func date(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func TestBillOnStatementDayDueOnDueDay(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	// 2026-12-21 23:30 in Shanghai: the bill is made at the next midnight.
	f := creditFixture(t, shipped, shanghai, time.Date(2026, 12, 21, 23, 30, 0, 0, shanghai), 123456)
	if got := f.bills(t, "alice"); len(got) != 0 {
		t.Fatalf("bills before the statement day: %+v", got)
	}
	f.Clock.Set(time.Date(2026, 12, 22, 0, 0, 1, 0, shanghai))
	got := f.bills(t, "alice")
	if len(got) != 1 {
		t.Fatalf("bills on the statement day: %+v, want 1", got)
	}
	b := got[0]
	if !b.Date.Equal(date(2026, 12, 22, shanghai)) || !b.Due.Equal(date(2027, 1, 10, shanghai)) || b.Owed != 123456 || b.Minimum != 12346 || b.Paid != 0 {
		t.Errorf("bill %+v, want made 2026-12-22, due 2027-01-10, owed 1,234.56, minimum 123.46 (10%% rounded up)", b)
	}
	// Bob owes nothing: no bill. Read again and again: still one bill.
	f.Clock.Advance(time.Hour)
	if got := f.bills(t, "bob"); len(got) != 0 {
		t.Errorf("bob owes nothing but has bills %+v", got)
	}
	if got := f.bills(t, "alice"); len(got) != 1 {
		t.Errorf("alice has %d bills after reading again, want 1", len(got))
	}
	f.Audit(t)
}

func TestInterestAfterTheDueDateOnTheWholeDebt(t *testing.T) {
	ctx := context.Background()
	f := creditFixture(t, shipped, time.UTC, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), 110000)
	f.Clock.Set(time.Date(2027, 1, 10, 23, 0, 0, 0, time.UTC)) // the due date: in time
	if got := f.bills(t, "alice"); len(got) != 1 || got[0].Owed != 110000 {
		t.Fatalf("bills %+v, want one of 1,100.00", got)
	}
	if n := len(f.interest("alice")); n != 0 {
		t.Fatalf("%d interest entries on the due date, want none", n)
	}
	// 11 January, the first day after the due date, bears interest when
	// it ends: 0.05% of 1,100.00 is 0.55.
	f.Clock.Set(time.Date(2027, 1, 12, 8, 0, 0, 0, time.UTC))
	if got, want := f.Balance(t, "alice"), core.Money(-110055); got != want {
		t.Errorf("balance after 11 January %s, want %s", got, want)
	}
	// 12 January: 0.05% of 1,100.55 is 0.550275, rounded to 0.55: the
	// debt includes the interest already charged.
	f.Clock.Set(time.Date(2027, 1, 13, 8, 0, 0, 0, time.UTC))
	if got, want := f.Balance(t, "alice"), core.Money(-110110); got != want {
		t.Errorf("balance after 12 January %s, want %s", got, want)
	}
	// A partial payment on 13 January: the bill is still unpaid, so
	// interest goes on, on the whole remaining debt: 0.05% of 601.10 is
	// 0.30055, rounded to 0.30.
	if err := f.Bank.Repay(ctx, "alice", 50000); err != nil {
		t.Fatal(err)
	}
	f.Clock.Set(time.Date(2027, 1, 14, 8, 0, 0, 0, time.UTC))
	if got, want := f.Balance(t, "alice"), core.Money(-110140+50000); got != want {
		t.Errorf("balance after 13 January %s, want %s", got, want)
	}
	// Paying the rest of the bill stops interest, though 1.40 of
	// interest is still owed.
	if err := f.Bank.Repay(ctx, "alice", 60000); err != nil {
		t.Fatal(err)
	}
	f.Clock.Set(time.Date(2027, 1, 20, 8, 0, 0, 0, time.UTC))
	if got, want := f.Balance(t, "alice"), core.Money(-140); got != want {
		t.Errorf("balance on 20 January %s, want %s", got, want)
	}
	in := f.interest("alice")
	if len(in) != 3 {
		t.Fatalf("interest entries %+v, want 3 (11, 12 and 13 January)", in)
	}
	for i, want := range []struct {
		day    int
		amount core.Money
	}{{11, -55}, {12, -55}, {13, -30}} {
		if e := in[i]; e.Amount != want.amount || e.Time.Day() != want.day || e.Ref != "i-alice-2027-01-"+string(rune('0'+want.day/10))+string(rune('0'+want.day%10)) {
			t.Errorf("interest entry %d: %+v, want %s on January %d", i, e, want.amount, want.day)
		}
	}
	if got := f.stored(t, core.SystemInterestIncome).Balance; got != 140 {
		t.Errorf("interest income %s, want 1.40", got)
	}
	if b := f.bills(t, "alice")[0]; b.Paid != b.Owed {
		t.Errorf("bill %+v, want paid", b)
	}
	f.Audit(t)
}

func TestPaymentBeforeTheDueDateMeansNoInterest(t *testing.T) {
	ctx := context.Background()
	f := creditFixture(t, shipped, time.UTC, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), 20000)
	f.Clock.Set(time.Date(2027, 1, 10, 23, 59, 0, 0, time.UTC))
	if err := f.Bank.Repay(ctx, "alice", 20000); err != nil {
		t.Fatal(err)
	}
	f.Clock.Set(time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC))
	if in := f.interest("alice"); len(in) != 0 {
		t.Errorf("interest entries %+v after paying on the due date, want none", in)
	}
	if got := f.bills(t, "alice"); len(got) != 1 {
		t.Errorf("bills %+v, want only December's: alice owed nothing since", got)
	}
}

func TestMissedDaysArePostedOnceEach(t *testing.T) {
	ctx := context.Background()
	f := creditFixture(t, shipped, time.UTC, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), 100000)
	// Nobody runs the program from December to the middle of April.
	f.Clock.Set(time.Date(2027, 4, 15, 12, 0, 0, 0, time.UTC))
	// A second copy of the program on the same data, and the admin's
	// command, find nothing left to do after the first.
	other := *f.Bank
	if n, bad, err := f.Bank.BookAll(ctx, "root"); err != nil || n != 1 || bad != 0 {
		t.Fatalf("BookAll = %d, %d, %v; want alice's account booked (the others owe nothing)", n, bad, err)
	}
	_ = f.Balance(t, "alice")
	if _, err := other.Account(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if n, _, err := other.BookAll(ctx, "root"); err != nil || n != 0 {
		t.Errorf("BookAll again = %d, %v; want nothing to do", n, err)
	}
	in := f.interest("alice")
	// 11 January to 14 April: 21 + 28 + 31 + 14 days.
	if len(in) != 21+28+31+14 {
		t.Fatalf("%d interest entries, want %d", len(in), 21+28+31+14)
	}
	seen := map[string]bool{}
	for i, e := range in {
		want := date(2027, 1, 11, time.UTC).AddDate(0, 0, i).Format(time.DateOnly)
		if e.Time.Format(time.DateOnly) != want || seen[e.Ref] {
			t.Errorf("interest entry %d is %s (%s), want one for %s", i, e.Time, e.Ref, want)
		}
		seen[e.Ref] = true
	}
	// Bills on 22 December, January, February and March; each includes
	// the interest up to its day.
	bills := f.bills(t, "alice")
	if len(bills) != 4 {
		t.Fatalf("%d bills, want 4", len(bills))
	}
	for i, b := range bills {
		if b.Date.Day() != 22 || b.Date.Month() != time.Month(12+i-1)%12+1 {
			t.Errorf("bill %d made %s", i, b.Date)
		}
	}
	if bills[1].Owed <= bills[0].Owed || bills[3].Owed <= bills[2].Owed {
		t.Errorf("later bills %+v do not include the interest", bills)
	}
	f.Audit(t)
}

func TestDueDayAMonthLacks(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rules     core.CreditRules
		start     time.Time
		made, due time.Time
	}{
		{"due on the 31st in February", core.CreditRules{StatementDay: 5, DueDay: 31, DailyInterestPPM: 500, MinimumPaymentPercent: 10},
			date(2027, 2, 1, time.UTC), date(2027, 2, 5, time.UTC), date(2027, 2, 28, time.UTC)},
		{"due on the 31st in a leap February", core.CreditRules{StatementDay: 5, DueDay: 31, DailyInterestPPM: 500, MinimumPaymentPercent: 10},
			date(2028, 2, 1, time.UTC), date(2028, 2, 5, time.UTC), date(2028, 2, 29, time.UTC)},
		{"statement on the 30th, in February the 28th", core.CreditRules{StatementDay: 30, DueDay: 10, DailyInterestPPM: 500, MinimumPaymentPercent: 10},
			date(2027, 2, 1, time.UTC), date(2027, 2, 28, time.UTC), date(2027, 3, 10, time.UTC)},
		{"statement on the 31st in a leap February, due on the 29th of March", core.CreditRules{StatementDay: 31, DueDay: 29, DailyInterestPPM: 500, MinimumPaymentPercent: 10},
			date(2028, 2, 1, time.UTC), date(2028, 2, 29, time.UTC), date(2028, 3, 29, time.UTC)},
		{"statement at the end of December, due in January", core.CreditRules{StatementDay: 31, DueDay: 10, DailyInterestPPM: 500, MinimumPaymentPercent: 10},
			date(2026, 12, 1, time.UTC), date(2026, 12, 31, time.UTC), date(2027, 1, 10, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := creditFixture(t, tc.rules, time.UTC, tc.start.Add(9*time.Hour), 1000)
			f.Clock.Set(tc.made.Add(time.Hour))
			bills := f.bills(t, "alice")
			if len(bills) != 1 || !bills[0].Date.Equal(tc.made) || !bills[0].Due.Equal(tc.due) {
				t.Fatalf("bills %+v, want one made %s, due %s", bills, tc.made, tc.due)
			}
			// The due date is in time; the day after bears interest.
			f.Clock.Set(tc.due.AddDate(0, 0, 1).Add(time.Hour))
			_ = f.Balance(t, "alice") // reading books the days that ended
			if n := len(f.interest("alice")); n != 0 {
				t.Errorf("%d interest entries by the end of the due date, want none", n)
			}
			f.Clock.Set(tc.due.AddDate(0, 0, 2).Add(time.Hour))
			_ = f.Balance(t, "alice")
			if n := len(f.interest("alice")); n != 1 {
				t.Errorf("%d interest entries after the day after the due date, want 1", n)
			}
		})
	}
}

func TestInterestStopsAtTheCreditLimit(t *testing.T) {
	f := creditFixture(t, shipped, time.UTC, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), 1500000-100)
	f.Clock.Set(time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC))
	if got, want := f.Balance(t, "alice"), core.Money(-1500000); got != want {
		t.Errorf("balance %s, want %s: interest takes it to the limit and no further", got, want)
	}
	f.Audit(t)
}

func TestDailyInterestRoundsHalfUp(t *testing.T) {
	for _, tc := range []struct {
		debt, want core.Money
	}{{0, 0}, {999, 0}, {1000, 1}, {110000, 55}, {110055, 55}, {3000, 2}, {core.MaxMoney, core.MaxMoney / 2000}} {
		if got := shipped.DailyInterest(tc.debt); got != tc.want {
			t.Errorf("DailyInterest(%d) = %d, want %d", tc.debt, got, tc.want)
		}
	}
	if got := shipped.RateString(); got != "0.05%" {
		t.Errorf("RateString = %q, want 0.05%%", got)
	}
}

func TestBookAllGoesOnPastADamagedAccount(t *testing.T) {
	ctx := context.Background()
	f := creditFixture(t, shipped, time.UTC, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), 100000)
	f.Store.DamageAccount("bob") // owes nothing, but cannot be read
	f.Clock.Set(time.Date(2027, 1, 20, 9, 0, 0, 0, time.UTC))
	n, bad, err := f.Bank.BookAll(ctx, "root")
	if err != nil || n != 1 || bad != 1 {
		t.Errorf("BookAll = %d, %d, %v; want alice booked and bob counted unreadable", n, bad, err)
	}
	if len(f.interest("alice")) != 9 {
		t.Errorf("alice has %d interest entries, want 9 (11 to 19 January)", len(f.interest("alice")))
	}
}

func TestAWrongPasswordBooksNothing(t *testing.T) {
	ctx := context.Background()
	f := creditFixture(t, shipped, time.UTC, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), 100000)
	f.Clock.Set(time.Date(2027, 1, 20, 9, 0, 0, 0, time.UTC))
	before := f.Snapshot()
	if _, err := f.Bank.Authenticate(ctx, "alice", "wrong"); err == nil {
		t.Fatal("a wrong password was accepted")
	}
	if n := len(f.interest("alice")); n != 0 {
		t.Errorf("a failed login booked %d days of interest, want none (a stranger's try does the same work for every name)", n)
	}
	if after := f.Snapshot(); after != before+1 { // the failure count only
		t.Errorf("a failed login wrote %d times, want once", after-before)
	}
}

// A payee whose latest entry is later than the bank's clock (a clock
// stepped back, or another copy whose clock is a little ahead) pulls the
// transfer's time forward. The payer's days are still booked only up to
// the bank's clock: the day that has not ended bears no interest, so the
// transfer of all that is available leaves the balance at minus the
// credit limit, not below it (which no store would read back).
func TestTransferToALedgerAheadOfTheClockBooksNoDayNotEnded(t *testing.T) {
	ctx := context.Background()
	f := creditFixture(t, shipped, time.UTC, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), 110000)
	// Overdue since 11 January; booked through 14 January.
	f.Clock.Set(time.Date(2027, 1, 15, 23, 58, 0, 0, time.UTC))
	f.setBalance(t, "alice", -1490000) // 100.00 available
	// Bob is paid by a copy whose clock reads after midnight.
	f.Clock.Set(time.Date(2027, 1, 16, 0, 0, 30, 0, time.UTC))
	if err := f.Bank.Repay(ctx, "bob", 100); err != nil {
		t.Fatal(err)
	}
	// Back on this copy's clock, still 15 January.
	f.Clock.Set(time.Date(2027, 1, 15, 23, 59, 0, 0, time.UTC))
	interest := len(f.interest("alice"))
	if _, err := f.Bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 10000}); err != nil {
		t.Fatalf("transfer of all that is available: %v", err)
	}
	a, err := f.Bank.Account(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if a.Balance != -a.CreditLimit {
		t.Errorf("alice's balance %s, want minus her credit limit %s", a.Balance, a.CreditLimit)
	}
	if n := len(f.interest("alice")); n != interest {
		t.Errorf("%d interest entries after the transfer, want %d: 15 January has not ended", n, interest)
	}
	if want := date(2027, 1, 14, time.UTC); !a.BookedThrough.Equal(want) {
		t.Errorf("alice booked through %s at 15 January 23:59, want %s", a.BookedThrough, want)
	}
	f.Audit(t)
}

// readWithin reads name's account, failing the test if that has not
// returned after a generous while: a guard against a day loop that never
// ends, not a timing assertion.
func (f *fixture) readWithin(t *testing.T, name string) *core.Account {
	t.Helper()
	type result struct {
		a   *core.Account
		err error
	}
	done := make(chan result, 1)
	go func() {
		a, err := f.Bank.Account(context.Background(), name)
		done <- result{a, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.a
	case <-time.After(30 * time.Second):
		t.Fatalf("reading %s has not returned after 30 s: the days are not counted to an end", name)
		return nil
	}
}

// checkInterestDays checks that name's interest entries are one for each
// date from first to last, in order, each dated within its day in loc.
func (f *fixture) checkInterestDays(t *testing.T, name string, loc *time.Location, first, last time.Time) {
	t.Helper()
	in := f.interest(name)
	var i int
	for d := first; !d.After(last); d, i = d.AddDate(0, 0, 1), i+1 {
		want := d.Format(time.DateOnly)
		if i >= len(in) {
			t.Fatalf("%d interest entries, none for %s", len(in), want)
		}
		if e := in[i]; e.Ref != "i-"+name+"-"+want || e.Time.In(loc).Format(time.DateOnly) != want {
			t.Errorf("interest entry %d is %s at %s, want the one of %s", i, e.Ref, e.Time.In(loc), want)
		}
	}
	if i != len(in) {
		t.Errorf("%d interest entries, want %d (%s to %s)", len(in), i, first.Format(time.DateOnly), last.Format(time.DateOnly))
	}
}

// In America/Santiago the clocks go forward at midnight on the first
// Sunday of September (6 September 2026, 5 September 2027): that day has
// no 00:00 and starts at 01:00. The days are counted across it to an end,
// its interest is booked once, and a bill made that day is made at its
// first instant. (2027: the fixture's accounts open in November 2026.)
func TestDaysAcrossClocksGoingForwardAtMidnight(t *testing.T) {
	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct {
		name          string
		statementDay  int
		start         time.Time
		lastBill, due time.Time
	}{
		{"bills on the 22nd", 22, time.Date(2027, 7, 1, 12, 0, 0, 0, santiago),
			date(2027, 8, 22, santiago), date(2027, 9, 10, santiago)},
		{"a bill on the day without a midnight", 5, time.Date(2027, 8, 1, 12, 0, 0, 0, santiago),
			time.Date(2027, 9, 5, 1, 0, 0, 0, santiago), date(2027, 9, 10, santiago)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := core.CreditRules{StatementDay: tc.statementDay, DueDay: 10, DailyInterestPPM: 500, MinimumPaymentPercent: 10}
			f := creditFixture(t, rules, santiago, tc.start, 110000)
			f.Clock.Set(time.Date(2027, 9, 7, 12, 0, 0, 0, santiago))
			a := f.readWithin(t, "alice")
			// The first bill is due on 10 August: interest from the 11th
			// to 6 September, the last day that has ended.
			f.checkInterestDays(t, "alice", santiago, date(2027, 8, 11, time.UTC), date(2027, 9, 6, time.UTC))
			if len(a.Bills) != 2 {
				t.Fatalf("bills %+v, want 2", a.Bills)
			}
			if last := a.Bills[1]; !last.Date.Equal(tc.lastBill) || last.Date.Format(time.DateOnly) != tc.lastBill.Format(time.DateOnly) || !last.Due.Equal(tc.due) {
				t.Errorf("last bill made %s, due %s; want made %s, due %s", last.Date, last.Due, tc.lastBill, tc.due)
			}
			if want := date(2027, 9, 6, santiago); !a.BookedThrough.Equal(want) {
				t.Errorf("booked through %s, want %s", a.BookedThrough, want)
			}
			f.Audit(t)
		})
	}
}

// In America/Santiago the clocks go back at midnight on the first Sunday
// of April (4 April 2027): 3 April has 25 hours. Each day still bears
// interest once, and the bill of 4 April is made at its midnight.
func TestDaysAcrossClocksGoingBackAtMidnight(t *testing.T) {
	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip(err)
	}
	rules := core.CreditRules{StatementDay: 4, DueDay: 10, DailyInterestPPM: 500, MinimumPaymentPercent: 10}
	f := creditFixture(t, rules, santiago, time.Date(2027, 2, 1, 12, 0, 0, 0, santiago), 110000)
	// Read on 3 April in the hour that comes twice, then after it.
	f.Clock.Set(time.Date(2027, 4, 4, 2, 30, 0, 0, time.UTC)) // 23:30 -03, 3 April
	f.readWithin(t, "alice")
	f.Clock.Set(time.Date(2027, 4, 4, 3, 30, 0, 0, time.UTC)) // 23:30 -04, 3 April again
	f.readWithin(t, "alice")
	f.Clock.Set(time.Date(2027, 4, 6, 12, 0, 0, 0, santiago))
	a := f.readWithin(t, "alice")
	f.checkInterestDays(t, "alice", santiago, date(2027, 2, 11, time.UTC), date(2027, 4, 5, time.UTC))
	if len(a.Bills) != 3 {
		t.Fatalf("bills %+v, want those of 4 February, March and April", a.Bills)
	}
	if want := time.Date(2027, 4, 4, 0, 0, 0, 0, santiago); !a.Bills[2].Date.Equal(want) || want.Sub(time.Date(2027, 4, 3, 0, 0, 0, 0, santiago)) != 25*time.Hour {
		t.Errorf("April's bill made %s, want %s, 25 hours after 3 April's midnight", a.Bills[2].Date, want)
	}
	f.Audit(t)
}

// The operator may move [credit] statement_day (config.ini edited, the
// program restarted). A month that already has its bill gets no second
// one, and the next month's bill comes on the new day; nothing becomes
// unreadable. Moving it earlier needs nothing special: the new day of
// the next month is simply that month's first statement day.
func TestStatementDayMoved(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		from, to int
		moved    time.Time // when the setting is changed
		bills    []time.Time
		skipped  int // bills not made because the month had one
	}{
		{"later in the month", 5, 22, time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC),
			[]time.Time{date(2026, 12, 5, time.UTC), date(2027, 1, 22, time.UTC), date(2027, 2, 22, time.UTC)}, 1},
		{"earlier in the month", 22, 5, time.Date(2026, 12, 23, 9, 0, 0, 0, time.UTC),
			[]time.Time{date(2026, 12, 22, time.UTC), date(2027, 1, 5, time.UTC), date(2027, 2, 5, time.UTC)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := shipped
			rules.StatementDay = tc.from
			f := creditFixture(t, rules, time.UTC, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), 110000)
			f.Clock.Set(tc.moved)
			if got := f.bills(t, "alice"); len(got) != 1 || !got[0].Date.Equal(tc.bills[0]) {
				t.Fatalf("bills %+v, want the one of %s", got, tc.bills[0].Format(time.DateOnly))
			}
			f.Bank.Settings.Credit.StatementDay = tc.to
			for _, at := range []time.Time{time.Date(2026, 12, 23, 10, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)} {
				f.Clock.Set(at)
				if _, err := f.Bank.Account(ctx, "alice"); err != nil {
					t.Errorf("%s: reading alice: %v", at.Format(time.DateOnly), err)
				}
				if err := f.Bank.Repay(ctx, "alice", 100); err != nil {
					t.Errorf("%s: alice repays: %v", at.Format(time.DateOnly), err)
				}
			}
			var made []string
			for _, b := range f.bills(t, "alice") {
				made = append(made, b.Date.Format(time.DateOnly))
			}
			var want []string
			for _, d := range tc.bills {
				want = append(want, d.Format(time.DateOnly))
			}
			if !slices.Equal(made, want) {
				t.Errorf("bills made %v, want %v", made, want)
			}
			var skipped int
			for _, e := range f.Logs.AllEntries() {
				if strings.HasPrefix(e.Message, "no second bill this month") {
					skipped++
				}
			}
			if skipped != tc.skipped {
				t.Errorf("%d log lines about a month's second bill, want %d", skipped, tc.skipped)
			}
			f.Audit(t)
		})
	}
}

// A login, even with the right password, reads the account as stored and
// books nothing (the README's rule): it does the same work for every
// name. The first read after it books the days.
func TestALoginBooksNothing(t *testing.T) {
	ctx := context.Background()
	f := creditFixture(t, shipped, time.UTC, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), 100000)
	f.Clock.Set(time.Date(2027, 1, 20, 9, 0, 0, 0, time.UTC))
	before := f.Snapshot()
	a, err := f.Bank.Authenticate(ctx, "alice", "alice-pw")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Bills) != 0 || len(f.interest("alice")) != 0 {
		t.Errorf("a login booked bills %+v and %d days of interest, want none", a.Bills, len(f.interest("alice")))
	}
	f.AssertUnchanged(t, before)
	if got := f.bills(t, "alice"); len(got) != 1 || len(f.interest("alice")) != 9 {
		t.Errorf("reading after the login: bills %+v and %d days of interest, want December's bill and 9 days (11 to 19 January)", got, len(f.interest("alice")))
	}
}
