package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUpgradeKeepsData opens a db/ written by an earlier version of the
// program (testdata/db-2026-11, see its commit message) with this one. Its
// last transfer, bob -> alice 20.00, is durable in the journal but was never
// applied to the files. The person must see every balance and ledger line
// the earlier program confirmed, that transfer included, and the books must
// still add up.
func TestUpgradeKeepsData(t *testing.T) {
	sb := newSandbox(t)
	copyTree(t, filepath.Join("testdata", "db-2026-11"), sb.path("db"))

	r := sb.run("bob\nbob-pw\n2\n6\n2026-11\nq\n")
	checkNoCrash(t, r, 0)
	for _, want := range []string{
		"Balance:                  140.50", // 50 + 100.50 + 10 - 20
		"repayment",
		"transfer_out",
		"-20.00",
		"Closing balance:                     140.50",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("bob's session does not show %q; it shows:\n%s", want, r.stdout)
		}
	}
	r = sb.run("alice\nalice-pw\n2\n7\nq\n")
	checkNoCrash(t, r, 0)
	// 1000 - 100.50 - 200 - 10 (fee) - 179.80 (2 x coffee beans) + 20
	for _, want := range []string{"Balance:                  529.70", "179.80", "2 x Coffee beans 1kg"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("alice's session does not show %q; it shows:\n%s", want, r.stdout)
		}
	}

	bk := readBooks(t, sb.path("db"))
	bk.check(t, 105000) // alice's 1000 and bob's 50 opening balances
	if got := len(bk.orders["alice"]); got != 1 {
		t.Errorf("alice has %d orders, want the 1 she placed", got)
	}
	var last ledgerEntry
	if l := bk.ledgers["bob"]; len(l) > 0 {
		last = l[len(l)-1]
	}
	if last.Kind != "transfer_out" || last.Amount == nil || *last.Amount != -2000 || filepath.Base(last.file) != "2026-11.jsonl" {
		t.Errorf("bob's last ledger entry is %+v in %s, want the journaled transfer_out of -2000 in 2026-11.jsonl", last, last.file)
	}
}
