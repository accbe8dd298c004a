package portablename_test

import (
	"testing"

	"atmshop/lib/portablename"
)

func TestIsWindowsReserved(t *testing.T) {
	for _, elem := range []string{
		"con", "prn", "aux", "nul", "CON", "Nul.json", "aux.tar.gz", "nul .json",
		"com0", "com1", "com9", "lpt0", "lpt9", "LPT0.jsonl", "com¹", "lpt³.txt",
	} {
		if !portablename.IsWindowsReserved(elem) {
			t.Errorf("IsWindowsReserved(%q) = false, want true", elem)
		}
	}
	for _, elem := range []string{
		"", "a", "conx", "console", "com", "com10", "lpt", "lptx", "com⁴", "xcon", "alice.json", ".con", "2026-11.jsonl",
	} {
		if portablename.IsWindowsReserved(elem) {
			t.Errorf("IsWindowsReserved(%q) = true, want false", elem)
		}
	}
}
