//go:build unix && !linux

package main

import "syscall"

// dieWithParent returns a as it is: only Linux kills a child when its
// parent dies (Pdeathsig).
func dieWithParent(a *syscall.SysProcAttr) *syscall.SysProcAttr { return a }
