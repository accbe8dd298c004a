package docstore

import (
	"os"
	"strings"
)

// bootIdentity returns the kernel's random identifier of this boot, which
// changes at every boot, or "" if it cannot be read. Containers see their
// host's.
func bootIdentity() string {
	f, err := openFile("/proc/sys/kernel/random/boot_id", os.O_RDONLY, 0)
	if err != nil {
		return ""
	}
	defer f.Close()
	b := make([]byte, 64) // a UUID and a newline: procfs gives it in one read
	n, err := f.Read(b)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b[:n]))
}
