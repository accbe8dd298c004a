package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// MaxQuantity bounds one cart line, so a typo can't order a million kettles.
const MaxQuantity = 999

// CartLine is an item and how many of it.
type CartLine struct {
	Item     string
	Price    Money
	Quantity int
}

// Total is the line's price times its quantity.
func (l CartLine) Total() Money { return l.Price * Money(l.Quantity) }

// Cart is what the user is about to buy. It lives in the session only.
//
// A cart keeps the ref of its payment from the first attempt to pay for it
// until the payment succeeds: if an attempt fails after the bank applied
// it, paying again reports that order instead of charging twice. Changing
// the cart makes it a new purchase with a new ref.
type Cart struct {
	Lines []CartLine
	ref   string // the pending payment's ref; "" before the first attempt
}

// Add puts quantity of item in the cart, merging with a line already there.
func (c *Cart) Add(item Item, quantity int) error {
	for i := range c.Lines {
		if c.Lines[i].Item == item.Name {
			return c.SetQuantity(i, c.Lines[i].Quantity+quantity)
		}
	}
	c.ref = ""
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
		return Refuse(ErrBadInput, "There is no line %d in the cart.", i+1)
	}
	if quantity == 0 {
		c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
		c.ref = ""
		return nil
	}
	if quantity < 1 || quantity > MaxQuantity {
		return Refuse(ErrBadInput, "The quantity must be a whole number from 1 to %d.", MaxQuantity)
	}
	// Keep the cart total within MaxMoney, so no sum below can overflow.
	others := c.Total() - c.Lines[i].Total()
	if c.Lines[i].Price > (MaxMoney-others)/Money(quantity) {
		return Refuse(ErrTooMuch, "That would take the cart total past the maximum %s.", MaxMoney)
	}
	if c.Lines[i].Quantity != quantity {
		c.ref = ""
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

// Order is a paid cart.
type Order struct {
	ID    string
	Time  time.Time
	Lines []CartLine
	Total Money
}

// Checkout pays for the whole cart in one step: the balance, the ledger
// entry and the order are written together, or nothing is. The order's ID
// is the cart's pending ref (see Cart): if a ledger entry with that ref is
// already there, an earlier attempt was applied, and Checkout changes
// nothing and returns that order. The cart is emptied when it is paid.
func (b *Bank) Checkout(ctx context.Context, name string, cart *Cart) (*Order, error) {
	if len(cart.Lines) == 0 {
		return nil, Refuse(ErrBadInput, "The cart is empty.")
	}
	retry := cart.ref != ""
	if !retry {
		cart.ref = newID("p")
	}
	total := cart.Total()
	order := &Order{ID: cart.ref, Lines: slices.Clone(cart.Lines), Total: total}
	var again bool
	err := b.update(ctx, func(tx Tx, now time.Time) error {
		// An applied payment is reported as applied, even if the account
		// has been frozen since.
		a, err := b.load(tx, name)
		if err != nil {
			return err
		}
		if earlier, err := tx.FindRef(name, order.ID, retry); err != nil || earlier != nil {
			if err == nil {
				order, err = b.order(tx, name, earlier)
			}
			again = err == nil
			return err
		}
		if err := checkActive(a); err != nil {
			return err
		}
		if err := b.catchUp(tx, a, now); err != nil {
			return err
		}
		if err := checkAvailable(a, total, Words("this order")); err != nil {
			return err
		}
		e, err := b.book(tx, a, Entry{Ref: order.ID, Time: now, Kind: KindPurchase, Amount: -total, Note: DescribeLines(cart.Lines)}, SystemShopRevenue, now)
		if err != nil {
			return err
		}
		order.Time = e.Time
		if err := tx.AppendOrder(name, *order); err != nil {
			return err
		}
		return saveAccount(tx, a, now)
	})
	if err != nil {
		return nil, err
	}
	log := b.Log.WithFields(logrus.Fields{"ref": order.ID, "user": name, "amount": order.Total.String(), "items": DescribeLines(order.Lines)})
	if again {
		log.Info("purchase already applied by an earlier attempt; not applied again")
	} else {
		log.Info("purchase")
	}
	cart.Lines, cart.ref = nil, ""
	order.Time = order.Time.In(b.zone())
	return order, nil
}

// order finds the order that the purchase entry e recorded. They are
// written in one transaction, so a missing order means damaged data.
func (b *Bank) order(tx Tx, name string, e *Entry) (*Order, error) {
	if e.Kind != KindPurchase {
		return nil, fmt.Errorf("order ref %s is already used by a %s entry", e.Ref, e.Kind)
	}
	o, err := tx.Order(name, e.Ref)
	if errors.Is(err, ErrNoOrder) {
		return nil, fmt.Errorf("%w: orders of %s: no order %s, but the ledger has its payment", ErrCorrupt, name, e.Ref)
	}
	return o, err
}

// DescribeLines says what the lines are, as "2 x Kettle, 1 x Notebook".
func DescribeLines(lines []CartLine) string {
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
		orders, err = tx.Orders(name)
		return err
	})
	for i := range orders {
		orders[i].Time = orders[i].Time.In(b.zone())
	}
	return orders, err
}
