//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/wsatools/wsa/internal/cli/clitest"
)

// TestSignalWhileWaiting: spectra from an upstream that keeps the pipe
// open. Each is written while wsa-cal waits for more (before, they sat in
// its buffer), and Ctrl-C / SIGTERM end it at once with 130 / 143, one
// line, and every spectrum converted. (Before, the 2 s watchdog exited
// with the buffered spectra lost and no message.)
func TestSignalWhileWaiting(t *testing.T) {
	in := specFile(t, dbfs(2.4e9, -20, true, -50, -40, -30, -40), dbfs(2.41e9, -20, true, -60, -20, -60, -60))
	b, _ := os.ReadFile(in)
	ref := clitest.Run(t, 0, in, in+".out")
	want, _ := os.ReadFile(in + ".out")
	if ref.Code != 0 || len(want) == 0 {
		t.Fatalf("reference run: exit %d, %d bytes: %s", ref.Code, len(want), ref.Stderr)
	}
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		line string
	}{{syscall.SIGINT, 130, "wsa-cal: stopped by interrupt\n"}, {syscall.SIGTERM, 143, "wsa-cal: stopped by terminated\n"}} {
		cmd := clitest.Command()
		pw, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var out, errb clitest.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pw.Write(b)
		deadline := time.Now().Add(20 * time.Second) // a safety bound
		for len(out.Bytes()) < len(want) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("%v: %d of %d bytes written while waiting for input", c.sig, len(out.Bytes()), len(want))
			}
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(c.sig)
		err = cmd.Wait()
		pw.Close()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code || string(errb.Bytes()) != c.line {
			t.Errorf("%v: %v, stderr %q; want exit %d and %q", c.sig, err, errb.Bytes(), c.code, c.line)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%v: output differs from the run to the end of the same input", c.sig)
		}
	}
}
