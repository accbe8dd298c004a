// Package terminal is the interactive program on top of core: the login,
// the menus of commands (one file each, listed in Commands), the login
// decorator, the prompts, and App.report, the one place errors become
// sentences for the person.
package terminal
