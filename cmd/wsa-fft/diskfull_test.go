//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
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
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.vrt")
	if r := clitest.Run(t, 0, in, "", "-o", ref); r.Code != 0 {
		t.Fatalf("unlimited run: exit %d: %s", r.Code, r.Stderr)
	}
	want, _ := os.ReadFile(ref)
	limit := int64(len(want) / 2) // somewhere inside a packet
	for _, viaStdout := range []bool{false, true} {
		out := filepath.Join(dir, "out.vrt")
		os.Remove(out)
		var r clitest.Result
		if viaStdout {
			r = clitest.Run(t, limit, in, out)
		} else {
			r = clitest.Run(t, limit, in, "", "-o", out)
		}
		got, _ := os.ReadFile(out)
		clitest.CheckDiskFull(t, fmt.Sprintf("stdout %v", viaStdout), r, got, want, limit)
	}
}
