package filestore

import (
	"bytes"

	"atmshop/core"
)

// KeptAccount is the account s keeps as decoded from the file of name
// holding data, if it keeps one.
func KeptAccount(s *Store, name string, data []byte) (core.Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.decoded[name]
	if !ok || !bytes.Equal(d.data, data) {
		return core.Account{}, false
	}
	return d.account, true
}
