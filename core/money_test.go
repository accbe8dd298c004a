package core_test

import (
	"errors"
	"strings"
	"testing"

	"atmshop/core"
)

func TestParseMoney(t *testing.T) {
	good := []struct {
		in   string
		want core.Money
	}{
		{"100", 10000},
		{"100.5", 10050},
		{"100.50", 10050},
		{"0.01", 1},
		{"0", 0},
		{" 7 ", 700},
		{"007.10", 710},
		{"10000000000", 1000000000000},
		{"1000000000000000", core.MaxMoney},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			got, err := core.ParseMoney(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseMoney(%q) = %d, %v; want %d, nil", tc.in, got, err, tc.want)
			}
		})
	}
	bad := []string{"", " ", "-5", "+5", "1e3", "abc", "1.234", "1.2.3", "1.", ".5", "NaN", "Inf", "1,000", "１２", "0x10",
		"1000000000000000.01", "99999999999999999", "99999999999999999999999999", "5\x00", "1 000"}
	for _, in := range bad {
		t.Run("bad "+in, func(t *testing.T) {
			got, err := core.ParseMoney(in)
			if !errors.Is(err, core.ErrBadAmount) {
				t.Errorf("ParseMoney(%q) = %d, %v; want ErrBadAmount", in, got, err)
			}
		})
	}
}

func TestParseMoneyTooLarge(t *testing.T) {
	for _, in := range []string{"1000000000000000.01", "99999999999999999", "99999999999999999999999999", "0001000000000000001"} {
		_, err := core.ParseMoney(in)
		if !errors.Is(err, core.ErrAmountTooLarge) || !errors.Is(err, core.ErrBadAmount) {
			t.Errorf("ParseMoney(%q) = %v, want ErrAmountTooLarge (and ErrBadAmount)", in, err)
		}
	}
	for _, in := range []string{"1.234", "abc", "-5", "1e30"} {
		if _, err := core.ParseMoney(in); errors.Is(err, core.ErrAmountTooLarge) {
			t.Errorf("ParseMoney(%q) = %v: a malformed amount called too large", in, err)
		}
	}
	got := core.TooLargeRefusal().Error()
	if want := "That amount is too large: the most is 1,000,000,000,000,000.00."; got != want {
		t.Errorf("TooLargeRefusal() = %q, want %q", got, want)
	}
}

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct {
		in   core.Money
		want string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{10050, "100.50"},
		{123456789, "1,234,567.89"},
		{-150, "-1.50"},
		{-100000, "-1,000.00"},
		{core.MaxMoney, "1,000,000,000,000,000.00"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
	}
}

func TestParseMoneyRoundTrip(t *testing.T) {
	for _, m := range []core.Money{0, 1, 99, 100, 12345, core.MaxMoney} {
		s := m.String()
		got, err := core.ParseMoney(stripCommas(s))
		if err != nil || got != m {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", s, got, err, m)
		}
	}
}

func stripCommas(s string) string { return strings.ReplaceAll(s, ",", "") }

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"100", "0.01", "1e3", "-1", "1.2.3", "99999999999999999", "１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := core.ParseMoney(s)
		if err != nil {
			return
		}
		if m < 0 || m > core.MaxMoney {
			t.Fatalf("ParseMoney(%q) = %d, outside 0..MaxMoney", s, m)
		}
		back, err := core.ParseMoney(stripCommas(m.String()))
		if err != nil || back != m {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, m, m.String(), back, err)
		}
	})
}

func TestCheckUsername(t *testing.T) {
	for _, ok := range []string{"alex", "egon", "a", "user_1", "x-y", "abcdefghijklmnopqrstuvwxyz012345"} {
		if err := core.CheckUsername(ok); err != nil {
			t.Errorf("CheckUsername(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "../admin/admin", "../x", "a/b", `a\b`, "Alex", "-x", ".", "..", "a b", "a\nb", "a\x00", "é", "abcdefghijklmnopqrstuvwxyz0123456", "con", "nul", "com1", "lpt9"} {
		if err := core.CheckUsername(bad); !errors.Is(err, core.ErrBadUsername) {
			t.Errorf("CheckUsername(%q) = %v, want ErrBadUsername", bad, err)
		}
	}
	// The store refuses every Windows device name, com0 and lpt0 included:
	// the name rule must refuse them first, saying why.
	for _, reserved := range []string{"con", "com0", "com1", "lpt0", "lpt9"} {
		if err := core.CheckUsername(reserved); err == nil || !strings.Contains(err.Error(), "reserved") {
			t.Errorf("CheckUsername(%q) = %v, want it refused as reserved", reserved, err)
		}
	}
}

func FuzzCheckUsername(f *testing.F) {
	for _, s := range []string{"alex", "../x", "a/b", "-", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if core.CheckUsername(s) != nil {
			return
		}
		for _, c := range []byte(s) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				t.Fatalf("CheckUsername accepted %q with byte %q", s, c)
			}
		}
	})
}
