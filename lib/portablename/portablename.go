// Package portablename tells which file names cannot be used on every
// system a program's data may be copied to.
package portablename

import "strings"

// IsWindowsReserved reports whether Windows opens a device instead of a
// file for the path element elem, whatever its extension: CON, PRN, AUX,
// NUL, COM0–COM9 and LPT0–LPT9 (also with the superscript digits ¹ ² ³),
// in any case, as in "con", "Nul.json" or "lpt0.txt". Windows ignores
// spaces at the end of the stem, so "nul .json" is reserved too.
func IsWindowsReserved(elem string) bool {
	stem, _, _ := strings.Cut(elem, ".")
	stem = strings.ToLower(strings.TrimRight(stem, " "))
	switch stem {
	case "con", "prn", "aux", "nul":
		return true
	}
	if len(stem) < 4 || stem[:3] != "com" && stem[:3] != "lpt" {
		return false
	}
	switch stem[3:] {
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
		return true
	}
	return false
}
