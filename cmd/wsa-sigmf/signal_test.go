//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsatools/wsa/internal/cli/clitest"
	"github.com/wsatools/wsa/pkg/sigmf"
)

// TestRecordSignal: a recording from an upstream that keeps the pipe open
// and sends nothing more. Ctrl-C / SIGTERM end it as the end of the input
// would: exit 130 / 143 with the "wrote" line and one error line, and a
// valid recording (meta written, checksum right) of the whole packets read
// from the start; when it had read everything, the same files as a run to
// the end of the same input. (Before, wsa-sigmf had no signal handling:
// Ctrl-C killed it before the meta was written.)
func TestRecordSignal(t *testing.T) {
	in := iqFile(t, 10)
	b, _ := os.ReadFile(in)
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref")
	if r := clitest.Run(t, 0, in, "", "record", "-o", ref); r.Code != 0 {
		t.Fatalf("reference run: exit %d: %s", r.Code, r.Stderr)
	}
	wantData, _ := os.ReadFile(ref + ".sigmf-data")
	wantMeta, _ := os.ReadFile(ref + ".sigmf-meta")
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		what string
	}{{syscall.SIGINT, 130, "interrupt"}, {syscall.SIGTERM, 143, "terminated"}} {
		rec := filepath.Join(dir, c.what, "ref") // same base name: the meta names nothing else
		os.MkdirAll(filepath.Dir(rec), 0o755)
		cmd := clitest.Command("record", "-o", rec)
		pw, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var errb clitest.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pw.Write(b)
		// Usually the recorder has read everything and waits for more by
		// now (the case the fix is about); if not, it stops between two
		// packets, and the checks below hold for what it read.
		time.Sleep(300 * time.Millisecond)
		cmd.Process.Signal(c.sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(20 * time.Second): // a safety bound
			cmd.Process.Kill()
			t.Fatalf("%v: still running", c.sig)
		}
		pw.Close()
		var ee *exec.ExitError
		data, _ := os.ReadFile(rec + ".sigmf-data")
		lines := strings.Split(strings.TrimSuffix(errb.String(), "\n"), "\n")
		wrote := fmt.Sprintf("wsa-sigmf: wrote %d samples in 1 segments to %s.sigmf-data", len(data)/4, rec)
		if !errors.As(err, &ee) || ee.ExitCode() != c.code || len(lines) != 2 || lines[0] != wrote || lines[1] != "wsa-sigmf: stopped by "+c.what {
			t.Errorf("%v: %v, stderr %q; want exit %d, %q and one error line", c.sig, err, errb.String(), c.code, wrote)
		}
		ds, err := sigmf.Open(rec)
		if err != nil {
			t.Fatalf("%v: the recording does not open: %v", c.sig, err)
		}
		if err := ds.Verify(); err != nil {
			t.Errorf("%v: %v", c.sig, err)
		}
		// Whole packets of the input, from its start.
		if len(data) == 0 || len(data)%4096 != 0 || !bytes.HasPrefix(wantData, data) {
			t.Errorf("%v: %d bytes of samples, want whole packets (4096 bytes each) from the start of the input's %d", c.sig, len(data), len(wantData))
		}
		if len(data) == len(wantData) {
			meta, _ := os.ReadFile(rec + ".sigmf-meta")
			if !bytes.Equal(meta, wantMeta) {
				t.Errorf("%v: every sample recorded, but the meta differs from the run to the end of the input", c.sig)
			}
		} else {
			t.Logf("%v: stopped while busy, after %d of %d samples", c.sig, len(data)/4, len(wantData)/4)
		}
	}
}
