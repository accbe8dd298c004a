package filestore

import (
	"bytes"
	"sync"
)

// maxDecoded bounds how many values a decodedCache keeps.
const maxDecoded = 64

// decodedCache keeps values decoded from documents lately, by document,
// with the bytes they were decoded from. A document's value is a function
// of its bytes, so the same bytes read again need no decoding: the bytes
// are still read and compared, and anything else (a file changed or
// damaged behind the Store's back) is decoded and checked as ever.
type decodedCache[T any] struct {
	mu   sync.Mutex
	docs map[string]decoded[T]
}

type decoded[T any] struct {
	data  []byte
	value T
}

// get returns the value kept for doc holding data.
func (c *decodedCache[T]) get(doc string, data []byte) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.docs[doc]
	if !ok || !bytes.Equal(d.data, data) {
		var zero T
		return zero, false
	}
	return d.value, true
}

// put keeps v as the value of doc holding data, which the cache owns from
// then on.
func (c *decodedCache[T]) put(doc string, data []byte, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.docs == nil || len(c.docs) >= maxDecoded {
		c.docs = map[string]decoded[T]{}
	}
	c.docs[doc] = decoded[T]{data, v}
}
