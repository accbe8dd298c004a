package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one line of the table. Ratio compares Result with Baseline; Target
// says what the project asks for and whether this run met it.
type row struct {
	Area, Measure, Result, Baseline, Ratio, Target string
}

// report is what a run found: the table, notes under it and a line about
// the machine.
type report struct {
	rows  []row
	notes []string
	env   string
}

func (r *report) add(x row)        { r.rows = append(r.rows, x) }
func (r *report) note(text string) { r.notes = append(r.notes, text) }

var header = row{"Area", "Measure", "Result", "Compared with", "Ratio", "Target"}

func (x row) cells() []string {
	return []string{x.Area, x.Measure, x.Result, x.Baseline, x.Ratio, x.Target}
}

// plain prints the table aligned in columns, for a terminal.
func (r *report) plain(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, x := range append([]row{header}, r.rows...) {
		fmt.Fprintln(tw, strings.Join(x.cells(), "\t"))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nMachine: %s\n", r.env)
	for _, n := range r.notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
}

// markdown prints the same table in Markdown.
func (r *report) markdown(w io.Writer) {
	cells := func(x row) string {
		c := x.cells()
		for i := range c {
			c[i] = strings.ReplaceAll(c[i], "|", `\|`)
		}
		return "| " + strings.Join(c, " | ") + " |"
	}
	fmt.Fprintln(w, cells(header))
	fmt.Fprintln(w, "|"+strings.Repeat(" --- |", len(header.cells())))
	for _, x := range r.rows {
		fmt.Fprintln(w, cells(x))
	}
	fmt.Fprintf(w, "\nMachine: %s.\n\n", r.env)
	for _, n := range r.notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
}

// stats summarizes repeated timings.
type stats struct {
	n           int
	median, p90 time.Duration
}

// summarize computes the median and the 90th percentile (nearest rank).
func summarize(d []time.Duration) stats {
	if len(d) == 0 {
		return stats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	median := s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	rank := (9*len(s) + 9) / 10 // ceil(0.9 n)
	return stats{n: len(s), median: median, p90: s[rank-1]}
}

func (s stats) String() string {
	return fmt.Sprintf("median %s, p90 %s", dur(s.median), dur(s.p90))
}

// dur formats a duration with three significant digits in a fitting unit.
func dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3g s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3g ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3g µs", float64(d)/float64(time.Microsecond))
	}
}

// ratio formats a/b as "12.3x".
func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	r := a / b
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0fx", r)
	case r >= 10:
		return fmt.Sprintf("%.1fx", r)
	default:
		return fmt.Sprintf("%.2fx", r)
	}
}

// rate formats events per second.
func rate(perSecond float64) string {
	switch {
	case perSecond >= 1e6:
		return fmt.Sprintf("%.2f M/s", perSecond/1e6)
	case perSecond >= 1e4:
		return fmt.Sprintf("%.0f k/s", perSecond/1e3)
	default:
		return fmt.Sprintf("%.0f/s", perSecond)
	}
}

// mb formats a byte count in megabytes (MiB).
func mb(bytes int64) string { return fmt.Sprintf("%.1f MB", float64(bytes)/(1<<20)) }

// verdict words whether a target was met.
func verdict(target string, ok bool) string {
	if ok {
		return target + ": met"
	}
	return target + ": MISSED"
}

// count formats an integer with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
