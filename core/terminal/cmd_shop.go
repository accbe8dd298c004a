package terminal

import (
	"context"
	"strconv"
	"strings"

	"atmshop/core"
	"atmshop/lib/textcolumns"
)

var shopCommand = Command{Key: "1", Label: "Shop", Help: "Browse the catalog, fill a cart and pay for it by card", Access: LoggedIn, Run: shop}

const shopHelp = "Type an item number to add it, c to see the cart, e to edit it, x to check out, b to go back."

// shop runs the shop's own small loop until the user checks out or goes
// back. The cart stays in the session, so leaving the shop keeps it.
func shop(ctx context.Context, app *App) error {
	catalog := app.Bank().Settings.Catalog
	showCatalog(app, catalog)
	app.Printf("%s\n", app.Sprintf(shopHelp))
	cart := &app.session.Cart
	for {
		choice, err := app.Ask(ctx, "shop [cart %s]> ", cart.Total())
		if err != nil {
			return err
		}
		choice = strings.TrimSpace(choice)
		switch strings.ToLower(choice) {
		case "":
		case "b":
			return nil
		case "c":
			showCart(app, cart)
		case "e":
			err = editCart(ctx, app, cart)
		case "x":
			var done bool
			if done, err = checkout(ctx, app, cart); done {
				return nil
			}
		default:
			err = addToCart(ctx, app, cart, catalog, choice)
		}
		if err := app.report(err); err != nil {
			return err
		}
	}
}

func showCatalog(app *App, catalog []core.Item) {
	if len(catalog) == 0 {
		app.Printf("The shop has nothing for sale: its [shop] section in the configuration is empty.\n")
		return
	}
	app.Printf("Shop: what we sell\n")
	t := textcolumns.NewTable(textcolumns.AlignRight, textcolumns.AlignLeft, textcolumns.AlignRight).MinWidth(0, 3).MinWidth(2, 11)
	t.Row("#", app.Sprintf("Item"), app.Sprintf("Price"))
	for i, it := range catalog {
		t.Row(strconv.Itoa(i+1), it.Name, it.Price.String())
	}
	app.printLines(t.Lines("  "))
}

func showCart(app *App, cart *core.Cart) {
	if len(cart.Lines) == 0 {
		app.Printf("The cart is empty.\n")
		return
	}
	t := textcolumns.NewTable(textcolumns.AlignRight, textcolumns.AlignLeft, textcolumns.AlignRight, textcolumns.AlignRight).
		MinWidth(0, 3).MinWidth(2, 4).MinWidth(3, 11)
	t.Row("#", app.Sprintf("Item"), app.Sprintf("Qty"), app.Sprintf("Total"))
	for i, l := range cart.Lines {
		t.Row(strconv.Itoa(i+1), l.Item, strconv.Itoa(l.Quantity), l.Total().String())
	}
	t.Row("", app.Sprintf("Total"), "", cart.Total().String())
	lines := t.Lines("  ")
	lines[len(lines)-1] = app.colored(colorTotal, lines[len(lines)-1])
	app.printLines(lines)
}

// askNumber asks question for a whole number of what, from 0 to maxN.
func askNumber(ctx context.Context, app *App, question, what core.Phrase, maxN int) (int, error) {
	answer, err := app.Ask(ctx, question.Format, question.Args...)
	if err != nil {
		return 0, err
	}
	return parseNumber(answer, what, maxN)
}

func parseNumber(answer string, what core.Phrase, maxN int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(answer))
	if err != nil || n < 0 || n > maxN {
		return 0, core.Refuse(core.ErrBadInput, "Invalid %s %q: type a whole number from 0 to %d.", what, core.Excerpt(strings.TrimSpace(answer)), maxN)
	}
	return n, nil
}

func addToCart(ctx context.Context, app *App, cart *core.Cart, catalog []core.Item, choice string) error {
	n, err := strconv.Atoi(choice)
	if err != nil || n < 1 || n > len(catalog) {
		return core.Refuse(core.ErrBadInput, "Unknown choice %q. %s", core.Excerpt(choice), core.Words(shopHelp))
	}
	item := catalog[n-1]
	q, err := askNumber(ctx, app, core.Words("quantity> "), core.Words("quantity"), core.MaxQuantity)
	if err != nil {
		return err
	}
	if q == 0 {
		app.Printf("Nothing added.\n")
		return nil
	}
	if err := cart.Add(item, q); err != nil {
		return err
	}
	app.Printf("Added %d x %s. Cart total: %s.\n", q, item.Name, cart.Total())
	return nil
}

func editCart(ctx context.Context, app *App, cart *core.Cart) error {
	showCart(app, cart)
	if len(cart.Lines) == 0 {
		return nil
	}
	line, err := askNumber(ctx, app, core.Words("line to change> "), core.Words("line"), len(cart.Lines))
	if err != nil || line == 0 {
		return err
	}
	q, err := askNumber(ctx, app, core.Words("new quantity (0 removes it)> "), core.Words("quantity"), core.MaxQuantity)
	if err != nil {
		return err
	}
	if err := cart.SetQuantity(line-1, q); err != nil {
		return err
	}
	showCart(app, cart)
	return nil
}

// checkout pays for the cart after a confirmation; done is true when the
// order went through.
func checkout(ctx context.Context, app *App, cart *core.Cart) (done bool, err error) {
	if len(cart.Lines) == 0 {
		return false, core.Refuse(core.ErrBadInput, "The cart is empty: add an item by its number first.")
	}
	showCart(app, cart)
	ok, err := app.Confirm(ctx, "Pay %s by card?", cart.Total())
	if err != nil || !ok {
		app.Printf("Not paid; the cart is kept.\n")
		return false, err
	}
	order, err := app.Bank().Checkout(ctx, app.User(), cart)
	if err != nil {
		return false, err
	}
	app.Printf("Paid %s. Order %s is placed.\n", order.Total, order.ID)
	return true, nil
}
