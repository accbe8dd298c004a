// Package core holds the bank's rules: accounts, money, the ledger, the
// shop's cart and orders, statements, logins and admin actions (Bank).
//
// It declares the storage port it needs (Store, Tx) in its own terms;
// adapters implement it (core/filestore, core/memstore) and pass
// core/storetest. Time comes from an injected clock. Errors meant for a
// person are *Refusal values; anything else, ErrCorrupt included, is for
// the operator's log.
package core

// ProgramName is what the program calls itself to people: in its welcome,
// its messages and its exit errors. A copy renamed for another program
// changes it here (see "Make it your own" in the README).
const ProgramName = "atmshop"
