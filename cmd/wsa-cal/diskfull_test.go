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
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.vrt")
	if r := clitest.Run(t, 0, in, "", "-o", ref); r.Code != 0 {
		t.Fatalf("unlimited run: exit %d: %s", r.Code, r.Stderr)
	}
	want, _ := os.ReadFile(ref)
	limit := int64(len(want)/2 + 100)
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
