//go:build !linux

package lws

import (
	"errors"
)

func setBindToDevice(fd int, dev string) error {
	return errors.New("SO_BINDTODEVICE is only available on Linux")
}
