//go:build !unix

package wsa

import "net"

// setBroadcast is a no-op where the socket option is not reachable;
// unicast discovery targets still work.
func setBroadcast(c *net.UDPConn) {}
