//go:build !linux

package listen

import (
	"errors"
)

func setBindToDevice(fd int, dev string) error {
	return errors.New("SO_BINDTODEVICE is only available on Linux")
}
