package docstore_test

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"atmshop/lib/docstore"
)

// TestChecksumIsCRC32C: the store's checksum, whichever table it takes
// for the input's length, is hash/crc32's Castagnoli checksum.
func TestChecksumIsCRC32C(t *testing.T) {
	table := crc32.MakeTable(crc32.Castagnoli)
	for _, n := range []int{0, 1, 16, 40, 255, 256, 257, 4096} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rand.Uint32())
		}
		if got, want := docstore.Checksum(data), crc32.Checksum(data, table); got != want {
			t.Errorf("checksum of %d bytes = %#x, want %#x", n, got, want)
		}
	}
}
