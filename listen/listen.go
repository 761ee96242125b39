package listen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// ErrBindToDevice is wrapped by the errors of binding a listener to a
// network device.
var ErrBindToDevice = errors.New("listen: cannot bind to network device")

// TCP opens the listening TCP socket of addr with o's socket options. A
// failure is an *Error (or wraps ErrBindToDevice). An empty host (or "::")
// listens on every address, IPv4 and IPv6; "0.0.0.0" listens on every IPv4
// address only (Go's "tcp" would make it dual-stack too).
func TCP(addr string, o *Options) (net.Listener, error) {
	if o == nil {
		o = &Options{}
	}
	lc := o.listenConfig()
	if o.Interface != "" {
		if o.BindToDevice {
			dev := o.Interface
			lc.Control = func(network, address string, rc syscall.RawConn) error {
				var serr error
				if err := rc.Control(func(fd uintptr) { serr = bindToDevice(int(fd), dev) }); err != nil {
					return err
				}
				return serr
			}
		} else {
			a, err := interfaceAddr(o.Interface, addr)
			if err != nil {
				return nil, err
			}
			addr = a
		}
	}
	network := "tcp"
	if host, _, err := net.SplitHostPort(addr); err == nil && host == "0.0.0.0" {
		network = "tcp4"
	}
	ln, err := lc.Listen(context.Background(), network, addr)
	if err != nil {
		if errors.Is(err, ErrBindToDevice) {
			return nil, err
		}
		return nil, &Error{Addr: addr, Err: err}
	}
	return ln, nil
}

// Error is the failure to open a listening socket: the address, the cause
// without the address repeated, and what to do about the usual ones. It is
// not prefixed with a package name: the vhost that wanted it wraps it.
type Error struct {
	Addr string // the address asked for
	Err  error  // the cause
}

func (e *Error) Error() string {
	cause := e.Err.Error()
	var errno syscall.Errno
	if errors.As(e.Err, &errno) {
		cause = errno.Error() // "address already in use", not "listen tcp ADDR: bind: ..."
	}
	switch {
	case errors.Is(e.Err, syscall.EADDRINUSE):
		cause += "; stop the program using that port or choose another port"
	case errors.Is(e.Err, syscall.EACCES):
		cause += "; ports below 1024 need privileges: choose a port of 1024 or more"
	case errors.Is(e.Err, syscall.EADDRNOTAVAIL):
		cause += "; no interface of this machine has that address: use one it has, or leave the host empty for all"
	}
	return fmt.Sprintf("listening on %s: %s", e.Addr, cause)
}

func (e *Error) Unwrap() error { return e.Err }

// bindToDevice sets SO_BINDTODEVICE on fd, explaining the usual failures.
func bindToDevice(fd int, dev string) error {
	err := setBindToDevice(fd, dev)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%w %q: the process lacks CAP_NET_RAW (run as root or grant it with setcap cap_net_raw+ep): %v", ErrBindToDevice, dev, err)
	case errors.Is(err, syscall.ENODEV):
		return fmt.Errorf("%w %q: no such network interface: %v", ErrBindToDevice, dev, err)
	default:
		return fmt.Errorf("%w %q: %v", ErrBindToDevice, dev, err)
	}
}

// interfaceAddr replaces the host of addr with the first address of the
// network interface dev, IPv4 first.
func interfaceAddr(dev, addr string) (string, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("listen: address %q: %w", addr, err)
	}
	ifi, err := net.InterfaceByName(dev)
	if err != nil {
		return "", fmt.Errorf("listen: interface %q: %w", dev, err)
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return "", fmt.Errorf("listen: interface %q: %w", dev, err)
	}
	var v6 net.IP
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		if ipn.IP.To4() != nil {
			return net.JoinHostPort(ipn.IP.String(), port), nil
		}
		if v6 == nil && !ipn.IP.IsLinkLocalUnicast() {
			v6 = ipn.IP
		}
	}
	if v6 != nil {
		return net.JoinHostPort(v6.String(), port), nil
	}
	return "", fmt.Errorf("listen: interface %q has no usable address", dev)
}
