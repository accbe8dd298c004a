package filestore

import "atmshop/core"

// KeptAccount is the account s keeps as decoded from the file of name
// holding data, if it keeps one.
func KeptAccount(s *Store, name string, data []byte) (core.Account, bool) {
	return s.accounts.get(accountDoc(name), data)
}

// KeptLastEntry is the entry s keeps as decoded from line, the last line
// of name's ledger in month, if it keeps one.
func KeptLastEntry(s *Store, name string, month core.Month, line []byte) (core.Entry, bool) {
	return s.lastEntries.get(ledgerDoc(name, month), line)
}
