// Package localzone finds the IANA name of the machine's time zone, such
// as "Europe/Berlin": time.Local knows the zone's rules but is named only
// "Local", which means something else on every machine.
package localzone

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// ErrUnknown is wrapped when the machine's zone has no name to be found.
var ErrUnknown = errors.New("cannot tell the name of the machine's time zone")

// Name returns the IANA name of the zone time.Local was loaded from: $TZ
// when it is set (as the time package reads it), else the target of the
// /etc/localtime link after ".../zoneinfo/", else the contents of
// /etc/timezone. It returns an error wrapping ErrUnknown when none of them
// names a zone, as on Windows.
func Name() (string, error) { return find(os.LookupEnv, os.Readlink, os.ReadFile) }

func find(lookupEnv func(string) (string, bool), readlink func(string) (string, error), readFile func(string) ([]byte, error)) (string, error) {
	if tz, ok := lookupEnv("TZ"); ok {
		tz = strings.TrimPrefix(tz, ":")
		if tz == "" { // the time package reads an empty TZ as UTC
			return "UTC", nil
		}
		if name, ok := afterZoneinfo(tz); ok {
			return name, nil
		}
		if valid(tz) {
			return tz, nil
		}
		return "", fmt.Errorf("%w: TZ=%q is not a zone name", ErrUnknown, tz)
	}
	if target, err := readlink("/etc/localtime"); err == nil {
		if name, ok := afterZoneinfo(target); ok {
			return name, nil
		}
	}
	if data, err := readFile("/etc/timezone"); err == nil {
		if name := strings.TrimSpace(string(data)); valid(name) {
			return name, nil
		}
	}
	return "", fmt.Errorf("%w: TZ is not set, /etc/localtime is not a link into a zoneinfo folder and /etc/timezone names no zone", ErrUnknown)
}

// afterZoneinfo takes the zone name from a path such as
// /usr/share/zoneinfo/Europe/Berlin (or .../zoneinfo/posix/Europe/Berlin).
func afterZoneinfo(path string) (string, bool) {
	const dir = "/zoneinfo/"
	i := strings.LastIndex(path, dir)
	if i < 0 {
		return "", false
	}
	name := strings.TrimPrefix(path[i+len(dir):], "posix/")
	return name, valid(name)
}

// valid reports whether name is a zone the time package can load by name.
func valid(name string) bool {
	if name == "" || name == "Local" || strings.HasPrefix(name, "/") {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}
