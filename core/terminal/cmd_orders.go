package terminal

import (
	"context"

	"atmshop/core"
	"atmshop/lib/textcolumns"
)

var ordersCommand = Command{Key: "7", Label: "Orders", Help: "List your past shop orders", Access: LoggedIn, Run: orders}

func orders(ctx context.Context, app *App) error {
	list, err := app.Bank().Orders(ctx, app.User())
	if err != nil {
		return err
	}
	if len(list) == 0 {
		app.Printf("You have no orders yet.\n")
		return nil
	}
	t := textcolumns.NewTable(textcolumns.AlignLeft, textcolumns.AlignLeft, textcolumns.AlignRight, textcolumns.AlignLeft).MinWidth(2, 12)
	for _, o := range list {
		t.Row(o.Time.Format("2006-01-02 15:04"), o.ID, o.Total.String(), core.DescribeLines(o.Lines))
	}
	app.printLines(t.Lines(""))
	return nil
}
