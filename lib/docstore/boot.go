package docstore

import "hash/fnv"

// bootID is a digest of the identity of the running boot of the system, or
// zero where there is none to be had cheaply (see bootIdentity). The
// marker records it: see "Recovery" in the package documentation.
type bootID [2]uint64

// readBootID reads the boot identity; tests replace it to simulate a
// reboot.
var readBootID = func() bootID { return digestBoot(bootIdentity()) }

// digestBoot reduces an identity string to a bootID; "" gives zero.
func digestBoot(id string) bootID {
	if id == "" {
		return bootID{}
	}
	h := fnv.New128a()
	h.Write([]byte(id))
	var sum [16]byte
	h.Sum(sum[:0])
	var b bootID
	for i := range 8 {
		b[0] = b[0]<<8 | uint64(sum[i])
		b[1] = b[1]<<8 | uint64(sum[8+i])
	}
	if b == (bootID{}) {
		b[1] = 1 // zero means unknown
	}
	return b
}
