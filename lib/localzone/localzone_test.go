package localzone

import (
	"errors"
	"io/fs"
	"testing"
)

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		link     string // target of /etc/localtime; "" for none
		timezone string // contents of /etc/timezone; "" for none
		want     string // "" for ErrUnknown
	}{
		{"TZ name", map[string]string{"TZ": "Asia/Shanghai"}, "/usr/share/zoneinfo/Europe/Berlin", "", "Asia/Shanghai"},
		{"TZ with colon", map[string]string{"TZ": ":America/New_York"}, "", "", "America/New_York"},
		{"TZ path", map[string]string{"TZ": "/usr/share/zoneinfo/Europe/Paris"}, "", "", "Europe/Paris"},
		{"TZ empty is UTC", map[string]string{"TZ": ""}, "/usr/share/zoneinfo/Europe/Berlin", "", "UTC"},
		{"TZ not a zone", map[string]string{"TZ": "Nowhere/Else"}, "/usr/share/zoneinfo/Europe/Berlin", "", ""},
		{"link", nil, "/usr/share/zoneinfo/Europe/Berlin", "Asia/Tokyo\n", "Europe/Berlin"},
		{"relative link", nil, "../usr/share/zoneinfo/Asia/Tokyo", "", "Asia/Tokyo"},
		{"macOS link", nil, "/var/db/timezone/zoneinfo/Australia/Sydney", "", "Australia/Sydney"},
		{"posix link", nil, "/usr/share/zoneinfo/posix/Europe/Rome", "", "Europe/Rome"},
		{"link elsewhere, timezone file", nil, "/etc/zone.copy", "Asia/Tokyo\n", "Asia/Tokyo"},
		{"timezone file only", nil, "", "Europe/Lisbon\n", "Europe/Lisbon"},
		{"nothing", nil, "", "", ""},
		{"junk", nil, "/usr/share/zoneinfo/Not/AZone", "Local\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookupEnv := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			readlink := func(string) (string, error) {
				if tc.link == "" {
					return "", fs.ErrNotExist
				}
				return tc.link, nil
			}
			readFile := func(string) ([]byte, error) {
				if tc.timezone == "" {
					return nil, fs.ErrNotExist
				}
				return []byte(tc.timezone), nil
			}
			got, err := find(lookupEnv, readlink, readFile)
			if tc.want == "" {
				if !errors.Is(err, ErrUnknown) {
					t.Errorf("find = %q, %v; want ErrUnknown", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("find = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
