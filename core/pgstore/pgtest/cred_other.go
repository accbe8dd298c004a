//go:build !unix

package pgtest

import "os/exec"

// setCredential does nothing: only unix tests run as root.
func setCredential(cmd *exec.Cmd, cred *credential) {}
