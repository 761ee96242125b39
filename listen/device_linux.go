package listen

import "syscall"

func setBindToDevice(fd int, dev string) error { return syscall.BindToDevice(fd, dev) }
