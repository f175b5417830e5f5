//go:build unix

package wsa

import (
	"net"
	"syscall"
)

// setBroadcast allows sending to broadcast addresses (SO_BROADCAST), which
// Go's UDP sockets do not enable by themselves.
func setBroadcast(c *net.UDPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
	})
}
