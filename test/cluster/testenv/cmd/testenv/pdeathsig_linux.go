package main

import "syscall"

// Children die with the supervisor, even when it is killed.
func childAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
