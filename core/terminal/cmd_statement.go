package terminal

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"atmshop/core"
	"atmshop/lib/textcolumns"
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
	// The month's name is a layout for time.Format, in each language.
	app.Printf("Statement for %s, %s\n", app.User(), s.Month.Format(app.Sprintf("January 2006")))
	// The entries are a table: "  " date, kind, amount, balance, who. The
	// totals' amounts end where the entries' amounts do.
	w, kindWidth := amountWidth(s), 12
	for _, e := range s.Entries {
		kindWidth = max(kindWidth, textcolumns.Width(kindName(app, e.Kind)))
	}
	labels := []string{app.Sprintf("Opening balance:"), app.Sprintf("Money in:"), app.Sprintf("Money out:"), app.Sprintf("Closing balance:")}
	labelWidth := len("  01-02 15:04  ") + kindWidth + 1
	for _, l := range labels {
		labelWidth = max(labelWidth, textcolumns.Width(l))
	}
	total := func(label string, m string) string {
		return textcolumns.Left(label, labelWidth) + " " + textcolumns.Right(m, w)
	}
	app.Printf("%s\n", total(labels[0], s.Opening.String()))
	entries := textcolumns.NewTable(textcolumns.AlignLeft, textcolumns.AlignLeft, textcolumns.AlignRight, textcolumns.AlignRight, textcolumns.AlignLeft).
		MinWidth(1, kindWidth).MinWidth(2, w).MinWidth(3, w)
	for _, e := range s.Entries {
		who := e.Counterparty
		if e.Note != "" {
			who = strings.TrimSpace(who + " " + noteText(app, e.Kind, e.Note))
		}
		entries.Row(e.Time.Format("01-02 15:04"), kindName(app, e.Kind), e.Amount.String(), e.BalanceAfter.String(), who)
	}
	app.printLines(entries.Lines("  "))
	if len(s.Entries) == 0 {
		app.Printf("  %s\n", app.Sprintf("(no entries this month)"))
	}
	app.Printf("%s\n", total(labels[1], s.In.String()))
	app.Printf("%s\n", total(labels[2], s.Out.String()))
	kinds := make([]string, 0, len(s.ByKind))
	for k := range s.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		app.Printf("%s\n", total("  "+kindName(app, k), s.ByKind[k].String()))
	}
	app.Printf("%s\n", app.colored(colorTotal, total(labels[3], s.Closing.String())))
	if s.Bill != nil {
		printBill(app, s.Bill, s.Overdue)
	}
	return nil
}

// kindName is a ledger entry's kind in the person's language; a kind
// this program does not know is shown as stored.
func kindName(app *App, kind string) string {
	switch kind {
	case core.KindOpening:
		return app.Sprintf("opening")
	case core.KindPurchase:
		return app.Sprintf("purchase")
	case core.KindTransferOut:
		return app.Sprintf("transfer_out")
	case core.KindTransferIn:
		return app.Sprintf("transfer_in")
	case core.KindWithdrawal:
		return app.Sprintf("withdrawal")
	case core.KindFee:
		return app.Sprintf("fee")
	case core.KindRepayment:
		return app.Sprintf("repayment")
	case core.KindInterest:
		return app.Sprintf("interest")
	}
	return kind
}

// noteText is a ledger entry's note in the person's language. The bank
// writes a few notes itself, in English, and keeps them with the entry;
// those are shown translated. Other notes (a purchase's items) are data
// and are shown as stored.
func noteText(app *App, kind, note string) string {
	switch kind {
	case core.KindOpening:
		if note == "from config" {
			return app.Sprintf("from config")
		}
		if admin, ok := strings.CutPrefix(note, "opened by "); ok {
			return app.Sprintf("opened by %s", admin)
		}
	case core.KindFee:
		// The whole note must be the fee's, not merely start like it.
		var percent int
		if _, err := fmt.Sscanf(note, "%d%%", &percent); err == nil && note == fmt.Sprintf("%d%% withdrawal fee", percent) {
			return app.Sprintf("%d%% withdrawal fee", percent)
		}
	case core.KindInterest:
		// "0.05% of 1,040.00 owed on 2026-11-11", as the bank writes it.
		rate, rest, ok1 := strings.Cut(note, " of ")
		debt, day, ok2 := strings.Cut(rest, " owed on ")
		if ok1 && ok2 {
			return app.Sprintf("%s of %s owed on %s", rate, debt, day)
		}
	}
	return note
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
