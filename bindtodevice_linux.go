package lws

import "syscall"

func setBindToDevice(fd int, dev string) error { return syscall.BindToDevice(fd, dev) }
