package core_test

import (
	"fmt"
	"testing"
	"time"

	"atmshop/core"
)

// TestMonthString: a month is written YYYY-MM, zero-padded, as
// fmt's %04d-%02d writes it, for every year and month.
func TestMonthString(t *testing.T) {
	for _, y := range []int{-12345, -1, 0, 1, 9, 10, 99, 100, 999, 1000, 2026, 9999, 10000, 123456} {
		for mo := time.Month(-1); mo <= 14; mo++ {
			m := core.Month{Year: y, Month: mo}
			if got, want := m.String(), fmt.Sprintf("%04d-%02d", y, int(mo)); got != want {
				t.Errorf("Month{%d, %d}.String() = %q, want %q", y, mo, got, want)
			}
		}
	}
}
