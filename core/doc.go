// Package core is the ATM & shop itself: accounts and their money rules,
// the per-user ledger, the menu of commands, and the login decorator that
// guards them.
//
// It talks to the person through an io.Reader and io.Writer (via
// lib/prompt), to storage through the Store interface, and reads time from
// an injected clock, so every rule here is tested without a terminal, a
// real folder of user files or a sleep. Errors meant for the person are
// *Refusal values; anything else is an internal error that the menu logs
// and reports as one plain sentence.
package core
