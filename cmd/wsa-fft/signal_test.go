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

// TestSignalWhileWaiting: I/Q from an upstream that keeps the pipe open.
// The spectra are written while wsa-fft waits for more, and Ctrl-C /
// SIGTERM end it with 130 / 143 and one line (before, the watchdog that
// ends a stage waiting on an idle input exited without a word), with
// every spectrum of the input read written: at once with one job, after
// the -j writer's grace with two.
func TestSignalWhileWaiting(t *testing.T) {
	in := iqFile(t)
	b, _ := os.ReadFile(in)
	ref := clitest.Run(t, 0, in, in+".out")
	want, _ := os.ReadFile(in + ".out")
	if ref.Code != 0 || len(want) == 0 {
		t.Fatalf("reference run: exit %d, %d bytes: %s", ref.Code, len(want), ref.Stderr)
	}
	for _, c := range []struct {
		sig  syscall.Signal
		jobs string
		code int
		line string
	}{
		{syscall.SIGINT, "1", 130, "wsa-fft: stopped by interrupt\n"},
		{syscall.SIGTERM, "1", 143, "wsa-fft: stopped by terminated\n"},
		{syscall.SIGINT, "2", 130, "wsa-fft: stopped by interrupt\n"},
	} {
		cmd := clitest.Command("-j", c.jobs)
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
				t.Fatalf("%v -j %s: %d of %d bytes written while waiting for input", c.sig, c.jobs, len(out.Bytes()), len(want))
			}
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(c.sig)
		err = cmd.Wait()
		pw.Close()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code || string(errb.Bytes()) != c.line {
			t.Errorf("%v -j %s: %v, stderr %q; want exit %d and %q", c.sig, c.jobs, err, errb.Bytes(), c.code, c.line)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%v -j %s: output differs from the run to the end of the same input", c.sig, c.jobs)
		}
	}
}
