//go:build unix

package pgtest

import (
	"os/exec"
	"syscall"
)

func setCredential(cmd *exec.Cmd, cred *credential) {
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: cred.uid, Gid: cred.gid}}
	}
}
