//go:build !linux

package main

import "errors"

// fsType is not looked up outside Linux.
func fsType(string) string { return "file system not checked" }

// isTmpfs cannot tell outside Linux; macOS and Windows temporary folders
// are on disk.
func isTmpfs(string) bool { return false }

// load is not looked up outside Linux.
func load() string { return "" }

// mkfifo is only needed for perf stat, which is Linux's (fsynccount.go).
func mkfifo(string) error { return errors.ErrUnsupported }
