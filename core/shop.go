package core

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// MaxQuantity bounds one cart line, so a typo can't order a million kettles.
const MaxQuantity = 999

// CartLine is an item and how many of it.
type CartLine struct {
	Item     string `json:"item"`
	Price    Money  `json:"price_fen"`
	Quantity int    `json:"quantity"`
}

// Total is the line's price times its quantity.
func (l CartLine) Total() Money { return l.Price * Money(l.Quantity) }

// Cart is what the user is about to buy. It lives in the session only.
type Cart struct{ Lines []CartLine }

// Add puts quantity of item in the cart, merging with a line already there.
func (c *Cart) Add(item Item, quantity int) error {
	for i := range c.Lines {
		if c.Lines[i].Item == item.Name {
			return c.SetQuantity(i, c.Lines[i].Quantity+quantity)
		}
	}
	c.Lines = append(c.Lines, CartLine{Item: item.Name, Price: item.Price})
	if err := c.SetQuantity(len(c.Lines)-1, quantity); err != nil {
		c.Lines = c.Lines[:len(c.Lines)-1]
		return err
	}
	return nil
}

// SetQuantity changes line i; a quantity of 0 removes it.
func (c *Cart) SetQuantity(i, quantity int) error {
	if i < 0 || i >= len(c.Lines) {
		return refuse(ErrBadInput, "There is no line %d in the cart.", i+1)
	}
	if quantity == 0 {
		c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
		return nil
	}
	if quantity < 1 || quantity > MaxQuantity {
		return refuse(ErrBadInput, "The quantity must be a whole number from 1 to %d.", MaxQuantity)
	}
	// Keep the cart total within MaxMoney, so no sum below can overflow.
	others := c.Total() - c.Lines[i].Total()
	if c.Lines[i].Price > (MaxMoney-others)/Money(quantity) {
		return refuse(ErrTooMuch, "That would take the cart total past the maximum %s.", MaxMoney)
	}
	c.Lines[i].Quantity = quantity
	return nil
}

// Total is the price of the whole cart, at most MaxMoney.
func (c *Cart) Total() Money {
	var t Money
	for _, l := range c.Lines {
		t += l.Total()
	}
	return t
}

// Order is a paid cart, kept in orders/<name>.jsonl.
type Order struct {
	ID    string     `json:"id"`
	Time  time.Time  `json:"time"`
	Lines []CartLine `json:"lines"`
	Total Money      `json:"total_fen"`
}

func ordersDoc(name string) string { return "orders/" + name + ".jsonl" }

// Checkout pays for the whole cart in one step: the balance, the ledger
// entry and the order are written together, or nothing is.
func (b *Bank) Checkout(ctx context.Context, name string, cart *Cart) (*Order, error) {
	if len(cart.Lines) == 0 {
		return nil, refuse(ErrBadInput, "The cart is empty.")
	}
	total := cart.Total()
	order := &Order{ID: newID("p"), Lines: cart.Lines, Total: total}
	err := b.update(ctx, func(tx Tx, now time.Time) error {
		a, err := b.active(tx, name)
		if err != nil {
			return err
		}
		if err := checkAvailable(a, total, "this order"); err != nil {
			return err
		}
		order.Time = now
		if err := b.post(tx, a, Entry{Ref: order.ID, Time: now, Kind: KindPurchase, Amount: -total, Note: describeLines(cart.Lines)}); err != nil {
			return err
		}
		line, err := json.Marshal(order)
		if err != nil {
			return fmt.Errorf("encode order: %w", err)
		}
		if err := tx.Append(ordersDoc(name), append(line, '\n')); err != nil {
			return err
		}
		return saveAccount(tx, a, now)
	})
	if err != nil {
		return nil, err
	}
	b.Log.WithFields(logrus.Fields{"ref": order.ID, "user": name, "amount": total.String(), "items": describeLines(cart.Lines)}).Info("purchase")
	cart.Lines = nil
	return order, nil
}

func describeLines(lines []CartLine) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = fmt.Sprintf("%d x %s", l.Quantity, l.Item)
	}
	return strings.Join(parts, ", ")
}

// Orders lists the user's past orders, oldest first.
func (b *Bank) Orders(ctx context.Context, name string) ([]Order, error) {
	var orders []Order
	err := b.Store.View(ctx, func(tx Tx) error {
		var err error
		orders, err = readJSONLines[Order](b.Store, tx, ordersDoc(name))
		return err
	})
	return orders, err
}
