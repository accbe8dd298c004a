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
	app.Printf("Opening balance: %14s\n", s.Opening)
	for _, e := range s.Entries {
		who := e.Counterparty
		if e.Note != "" {
			who = strings.TrimSpace(who + " " + e.Note)
		}
		app.Printf("  %s  %-12s %14s %14s  %s\n", e.Time.Format("01-02 15:04"), e.Kind, e.Amount, e.BalanceAfter, who)
	}
	if len(s.Entries) == 0 {
		app.Printf("  (no entries this month)\n")
	}
	app.Printf("Money in:        %14s\n", s.In)
	app.Printf("Money out:       %14s\n", s.Out)
	kinds := make([]string, 0, len(s.ByKind))
	for k := range s.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		app.Printf("  %-14s %14s\n", k, s.ByKind[k])
	}
	app.Printf("Closing balance: %14s\n", s.Closing)
	return nil
}
