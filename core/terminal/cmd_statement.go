package terminal

import (
	"context"
	"slices"
	"strings"
	"time"

	"atmshop/core"
)

var statementCommand = Command{Key: "6", Label: "Statement", Help: "List a month's entries, with money in and out", Access: LoggedIn, Run: statement}

func statement(ctx context.Context, app *App) error {
	answer, err := app.Ask(ctx, "month (YYYY-MM, empty for this month)> ")
	if err != nil {
		return err
	}
	now := app.Bank().NowInZone()
	month := now
	if answer = strings.TrimSpace(answer); answer != "" {
		if month, err = time.ParseInLocation("2006-01", answer, now.Location()); err != nil {
			return core.Refuse(core.ErrBadInput, "Invalid month %q: write it like %s.", core.Excerpt(answer), now.Format("2006-01"))
		}
	}
	s, err := app.Bank().Statement(ctx, app.User(), month)
	if err != nil {
		return err
	}
	app.Printf("Statement for %s, %s\n", app.User(), s.Month.Format("January 2006"))
	w := amountWidth(s)
	app.Printf("Opening balance: %*s\n", w, s.Opening)
	for _, e := range s.Entries {
		who := e.Counterparty
		if e.Note != "" {
			who = strings.TrimSpace(who + " " + e.Note)
		}
		app.Printf("  %s  %-12s %*s %*s  %s\n", e.Time.Format("01-02 15:04"), e.Kind, w, e.Amount, w, e.BalanceAfter, who)
	}
	if len(s.Entries) == 0 {
		app.Printf("  (no entries this month)\n")
	}
	app.Printf("Money in:        %*s\n", w, s.In)
	app.Printf("Money out:       %*s\n", w, s.Out)
	kinds := make([]string, 0, len(s.ByKind))
	for k := range s.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		app.Printf("  %-14s %*s\n", k, w, s.ByKind[k])
	}
	app.Printf("Closing balance: %*s\n", w, s.Closing)
	if s.Bill != nil {
		printBill(app, s.Bill, s.Overdue)
	}
	return nil
}

// amountWidth is the width of the statement's amount columns: 14, or the
// longest amount it shows, so that amounts of ten or more digits never run
// into each other. Amounts are ASCII, so their length is their width.
func amountWidth(s *core.Statement) int {
	w := 14
	for _, e := range s.Entries {
		w = max(w, len(e.Amount.String()), len(e.BalanceAfter.String()))
	}
	w = max(w, len(s.Opening.String()), len(s.Closing.String()), len(s.In.String()), len(s.Out.String()))
	for _, t := range s.ByKind {
		w = max(w, len(t.String()))
	}
	return w
}
