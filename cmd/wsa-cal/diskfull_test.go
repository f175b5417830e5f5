//go:build unix

package main

import (
	"testing"

	"github.com/wsatools/wsa/internal/cli/clitest"
)

func TestHelperProcess(t *testing.T) { clitest.Helper(t, main) }

// TestDiskFullKeepsWholePackets: when the output file cannot grow (a file
// size limit here; a full disk behaves the same) wsa-cal exits 1 with one
// line and the file holds exactly the whole packets that fitted, with -o
// and with stdout redirected to a file. (Before the fix the file ended with
// the first part of a packet.)
func TestDiskFullKeepsWholePackets(t *testing.T) {
	var items []any
	for k := range 8 {
		bins := make([]float32, 512)
		for i := range bins {
			bins[i] = -80 + float32((i*7+k)%13)
		}
		items = append(items, dbfs(2.4e9+float64(k)*1e6, -20, true, bins...))
	}
	in := specFile(t, items...)
	clitest.CheckFilterDiskFull(t, in, func(full int) int64 { return int64(full/2 + 100) })
}
