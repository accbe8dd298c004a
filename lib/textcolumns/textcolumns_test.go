package textcolumns_test

import (
	"strings"
	"testing"

	"atmshop/lib/textcolumns"
)

func TestWidth(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"Coffee", 6},
		{"咖啡豆", 6},
		{"咖啡豆 1kg", 10},
		{"ＡＢ", 4},  // fullwidth Latin
		{"é", 1},   // e + combining acute
		{"±°×", 3}, // ambiguous width: narrow
		{"10,000,000,000.00", 17},
	} {
		if got := textcolumns.Width(tc.s); got != tc.want {
			t.Errorf("Width(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestPad(t *testing.T) {
	if got, want := textcolumns.Left("咖啡", 6)+"|", "咖啡  |"; got != want {
		t.Errorf("Left = %q, want %q", got, want)
	}
	if got, want := textcolumns.Right("咖啡", 6), "  咖啡"; got != want {
		t.Errorf("Right = %q, want %q", got, want)
	}
	if got, want := textcolumns.Left("toolong", 3), "toolong"; got != want {
		t.Errorf("Left of a longer string = %q, want %q", got, want)
	}
}

func TestTable(t *testing.T) {
	tab := textcolumns.NewTable(textcolumns.AlignRight, textcolumns.AlignLeft, textcolumns.AlignRight).MinWidth(0, 3)
	tab.Row("#", "Item", "Price")
	tab.Row("1", "咖啡豆 1kg", "89.90")
	tab.Row("2", "Noise-cancelling headphones", "10,000,000,000.00")
	tab.Row("", "Total")
	got := strings.Join(tab.Lines("  "), "\n")
	want := strings.Join([]string{
		"    #  Item                                     Price",
		"    1  咖啡豆 1kg                               89.90",
		"    2  Noise-cancelling headphones  10,000,000,000.00",
		"       Total",
	}, "\n")
	if got != want {
		t.Errorf("Lines:\n%s\nwant:\n%s", got, want)
	}
	// Every line with a price ends in the same column.
	lines := tab.Lines("")
	for _, l := range lines[:3] {
		if w := textcolumns.Width(l); w != textcolumns.Width(lines[0]) {
			t.Errorf("line %q is %d columns wide, want %d", l, w, textcolumns.Width(lines[0]))
		}
	}
}
