package docstore

import "golang.org/x/sys/unix"

// bootIdentity returns the kernel's random identifier of this boot
// session, which changes at every boot, or "" if it cannot be read.
func bootIdentity() string {
	id, err := unix.Sysctl("kern.bootsessionuuid")
	if err != nil {
		return ""
	}
	return id
}
