//go:build unix

package main

import (
	"testing"

	"github.com/wsatools/wsa/internal/cli/clitest"
)

func TestHelperProcess(t *testing.T) { clitest.Helper(t, main) }

// TestDiskFullKeepsWholePackets: when the output file cannot grow (here a
// file size limit; a full disk behaves the same) wsa-fft exits 1 with one
// line, and the file holds exactly the whole packets that fitted, both
// with -o and with stdout redirected to a file. (Before the fix the file
// ended with the first part of a packet.)
func TestDiskFullKeepsWholePackets(t *testing.T) {
	in := iqFile(t)
	// Half the output: somewhere inside a packet.
	clitest.CheckFilterDiskFull(t, in, func(full int) int64 { return int64(full / 2) })
}
