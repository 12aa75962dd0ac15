//go:build !linux

package main

import "syscall"

// No parent-death signal outside Linux: the supervisor stops its children
// when signalled or when its stdin closes.
func childAttrs() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
