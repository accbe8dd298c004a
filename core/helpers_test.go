package core_test

import (
	"context"
	"testing"

	"atmshop/core"
	"atmshop/core/banktest"
)

// fixture is banktest's bank (alice, bob and root on a memstore, a fake
// clock) with the rules' tests' helpers.
type fixture struct{ *banktest.Fixture }

func newFixture(t *testing.T) *fixture { return &fixture{banktest.New(t)} }

// count is how many of name's entries in month satisfy match.
func (f *fixture) count(name string, month core.Month, match func(core.Entry) bool) int {
	var n int
	for _, e := range f.Store.Ledger(name)[month] {
		if match(e) {
			n++
		}
	}
	return n
}

// orders counts name's orders, and those with id if id is not "".
func (f *fixture) orders(t *testing.T, name, id string) int {
	t.Helper()
	orders, err := f.Bank.Orders(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, o := range orders {
		if id == "" || o.ID == id {
			n++
		}
	}
	return n
}

var (
	november = core.Month{Year: 2026, Month: 11}
	december = core.Month{Year: 2026, Month: 12}
)
