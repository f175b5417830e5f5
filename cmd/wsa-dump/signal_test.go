//go:build unix

package main

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsatools/wsa/internal/cli/clitest"
)

func TestHelperProcess(t *testing.T) { clitest.Helper(t, main) }

// TestSignalWhileWaiting: a live stream whose producer keeps the pipe open
// but sends nothing more. Every packet received is printed while wsa-dump
// waits (before, its lines sat in a buffer), and Ctrl-C or SIGTERM ends it
// at once with 130 / 143 and one line saying how many packets it printed.
// (Before, wsa-dump had no signal handling: a signal killed it with the
// lines still in its buffer, or, ignored as in a background job, did nothing.)
func TestSignalWhileWaiting(t *testing.T) {
	in := simStream(t)
	lines, err := dumpJSON(t, in)
	if err != nil {
		t.Fatal(err)
	}
	n := len(lines)
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		line string
	}{{syscall.SIGINT, 130, fmt.Sprintf("wsa-dump: interrupted after %d packets\n", n)}, {syscall.SIGTERM, 143, fmt.Sprintf("wsa-dump: terminated after %d packets\n", n)}} {
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
		pw.Write(in)
		deadline := time.Now().Add(20 * time.Second) // a safety bound
		for strings.Count(out.String(), "\n") < n {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("%v: lines not printed while waiting for input: %q", c.sig, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(c.sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: still running", c.sig)
		}
		pw.Close()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code || errb.String() != c.line {
			t.Errorf("%v: %v, stderr %q; want exit %d and %q", c.sig, err, errb.String(), c.code, c.line)
		}
		if got := strings.Count(out.String(), "\n"); got != n {
			t.Errorf("%v: %d lines, want %d", c.sig, got, n)
		}
	}
}

// TestSignalWhileBusy: a signal while input is plentiful stops the loop
// at a packet boundary: exit 130, every line printed for the packets it
// counts.
func TestSignalWhileBusy(t *testing.T) {
	in := simStream(t)
	cmd := clitest.Command()
	pr, pw := io.Pipe()
	cmd.Stdin = pr
	var out, errb clitest.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if _, err := pw.Write(in); err != nil {
				return
			}
		}
	}()
	for strings.Count(out.String(), "\n") < 100 {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	pr.Close()
	var ee *exec.ExitError
	var n int
	if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.HasPrefix(errb.String(), "wsa-dump: interrupted after ") || strings.Count(errb.String(), "\n") != 1 {
		t.Fatalf("%v, stderr %q", err, errb.String())
	}
	if _, err := fmt.Sscanf(errb.String(), "wsa-dump: interrupted after %d packets\n", &n); err != nil || strings.Count(out.String(), "\n") != n {
		t.Errorf("said %d packets (%v), printed %d lines", n, err, strings.Count(out.String(), "\n"))
	}
}
