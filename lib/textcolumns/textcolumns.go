// Package textcolumns lines text up in columns on a terminal by display
// width, not by bytes or runes: a Chinese character takes two columns, a
// combining mark none. Characters of ambiguous width count as one column.
package textcolumns

import (
	"strings"

	"github.com/mattn/go-runewidth"
)

// narrow measures with ambiguous-width characters one column wide,
// whatever the locale of the machine (runewidth's default Condition reads
// it at start-up). It is only read, so it is safe for concurrent use.
var narrow = &runewidth.Condition{EastAsianWidth: false}

// Width is how many columns s takes on a terminal.
func Width(s string) int { return narrow.StringWidth(s) }

// RuneWidth is how many columns r takes on a terminal, measured as Width
// measures: a line editor that counts with it agrees with the tables.
func RuneWidth(r rune) int { return narrow.RuneWidth(r) }

// Left pads s with spaces on the right to width columns.
func Left(s string, width int) string { return s + spaces(width-Width(s)) }

// Right pads s with spaces on the left to width columns.
func Right(s string, width int) string { return spaces(width-Width(s)) + s }

func spaces(n int) string { return strings.Repeat(" ", max(0, n)) }

// Align says on which side a column's cells line up.
type Align int

const (
	AlignLeft Align = iota
	AlignRight
)

// Table collects rows of cells and lays them out in columns as wide as
// their widest cell (or a column's minimum), separated by two spaces. A
// row may have fewer cells than there are columns; the last cell of a row
// is not padded on the right when it is left-aligned, so lines carry no
// trailing spaces.
type Table struct {
	align []Align
	min   []int
	rows  [][]string
}

// NewTable makes a table with a column for each alignment.
func NewTable(align ...Align) *Table {
	return &Table{align: align, min: make([]int, len(align))}
}

// MinWidth makes column i at least width columns wide.
func (t *Table) MinWidth(i, width int) *Table {
	t.min[i] = width
	return t
}

// Row adds a row; cells beyond the table's columns are dropped.
func (t *Table) Row(cells ...string) {
	t.rows = append(t.rows, cells[:min(len(cells), len(t.align))])
}

// Lines lays the table out, each line starting with indent.
func (t *Table) Lines(indent string) []string {
	widths := append([]int(nil), t.min...)
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], Width(c))
		}
	}
	lines := make([]string, len(t.rows))
	for n, r := range t.rows {
		var b strings.Builder
		b.WriteString(indent)
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			switch {
			case t.align[i] == AlignRight:
				b.WriteString(Right(c, widths[i]))
			case i == len(r)-1:
				b.WriteString(c)
			default:
				b.WriteString(Left(c, widths[i]))
			}
		}
		lines[n] = strings.TrimRight(b.String(), " ")
	}
	return lines
}
