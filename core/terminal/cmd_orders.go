package terminal

import (
	"context"

	"atmshop/core"
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
	for _, o := range list {
		app.Printf("%s  %s  %12s  %s\n", o.Time.Format("2006-01-02 15:04"), o.ID, o.Total, core.DescribeLines(o.Lines))
	}
	return nil
}
