//go:build !linux

package main

// fsType is not looked up outside Linux.
func fsType(string) string { return "file system not checked" }

// isTmpfs cannot tell outside Linux; macOS and Windows temporary folders
// are on disk.
func isTmpfs(string) bool { return false }

// load is not looked up outside Linux.
func load() string { return "" }
