//go:build !unix

package docstore

// noFollow and nonBlock are 0: os.OpenFile has no such flags here.
const (
	noFollow = 0
	nonBlock = 0
)
