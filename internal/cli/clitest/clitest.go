//go:build unix

// Package clitest runs a command's main as a child process under a file
// size limit (RLIMIT_FSIZE), so tests can check what a tool leaves behind
// when the disk fills up, without root or a small file system. The child is
// the test binary itself: a package adds
//
//	func TestHelperProcess(t *testing.T) { clitest.Helper(t, main) }
//
// and calls clitest.Run from its tests.
package clitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

const (
	envArgs  = "WSA_CLITEST_ARGS"
	envLimit = "WSA_CLITEST_FSIZE"
)

// Helper is the body of the package's TestHelperProcess: in the child it
// sets the file size limit, puts the arguments in os.Args and runs main
// (which exits); in a normal test run it skips.
func Helper(t *testing.T, main func()) {
	args, ok := os.LookupEnv(envArgs)
	if !ok {
		t.Skip("helper process of clitest.Run")
	}
	if s := os.Getenv(envLimit); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			panic(err)
		}
		// Go ignores SIGXFSZ, so a write past the limit fails with EFBIG
		// (like ENOSPC: the part that fits is written).
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			panic(err)
		}
	}
	var list []string
	if err := json.Unmarshal([]byte(args), &list); err != nil {
		panic(err)
	}
	os.Args = append([]string{os.Args[0]}, list...)
	main()
	os.Exit(0)
}

// Command returns the child process running the package's main with args,
// for tests that wire its input and output themselves (pipes, signals).
func Command(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	a, _ := json.Marshal(args)
	cmd.Env = append(os.Environ(), envArgs+"="+string(a))
	return cmd
}

// Result is what the child did.
type Result struct {
	Stderr string
	Code   int
}

// Run runs the package's main with args, stdin from the file named stdin
// ("" for none), stdout to the file named stdout ("" to discard), under a
// file size limit of limit bytes (0: none).
func Run(t *testing.T, limit int64, stdin, stdout string, args ...string) Result {
	t.Helper()
	cmd := Command(args...)
	if limit > 0 {
		cmd.Env = append(cmd.Env, envLimit+"="+strconv.FormatInt(limit, 10))
	}
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	if stdout != "" {
		f, err := os.Create(stdout)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdout = f
	}
	var e bytes.Buffer
	cmd.Stderr = &e
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return Result{Stderr: e.String(), Code: code}
}

// WholePrefix returns the length of the longest run of whole packets at
// the start of b that fits in limit bytes, and whether it falls short of
// limit (false: limit is on a packet boundary, which tests a cut at
// nothing). b must be whole VRT packets.
func WholePrefix(t *testing.T, b []byte, limit int64) (n int, inside bool) {
	t.Helper()
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n, int64(n) < limit && int64(n) < int64(len(b))
		}
		if err != nil {
			t.Fatalf("reference output is not whole packets: %v", err)
		}
		if r.Offset() > limit {
			return n, int64(n) < limit
		}
		n = int(r.Offset())
	}
}

// CheckDiskFull checks what a tool did when its output could take only
// limit bytes of the want it writes unlimited: exit 1, one line on stderr
// naming the cause, and exactly the whole packets that fitted in the file.
func CheckDiskFull(t *testing.T, what string, r Result, got, want []byte, limit int64) {
	t.Helper()
	if r.Code != 1 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "file too large") {
		t.Errorf("%s: exit %d, stderr %q; want 1 and one line saying the file is too large", what, r.Code, r.Stderr)
	}
	keep, inside := WholePrefix(t, want, limit)
	if !inside {
		t.Fatalf("%s: the %d-byte limit is on a packet boundary: pick another", what, limit)
	}
	if !bytes.Equal(got, want[:keep]) {
		t.Errorf("%s: the file keeps %d bytes, want the %d bytes of the whole packets under the %d-byte limit", what, len(got), keep, limit)
	}
}

// CheckFilterDiskFull runs a filter (the test binary's main) on in without a
// limit, then twice with its output limited to limit(len of that output)
// bytes, once through -o FILE and once through stdout redirected to the
// file, and checks both with CheckDiskFull.
func CheckFilterDiskFull(t *testing.T, in string, limit func(full int) int64) {
	t.Helper()
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.vrt")
	if r := Run(t, 0, in, "", "-o", ref); r.Code != 0 {
		t.Fatalf("unlimited run: exit %d: %s", r.Code, r.Stderr)
	}
	want, _ := os.ReadFile(ref)
	lim := limit(len(want))
	for _, viaStdout := range []bool{false, true} {
		out := filepath.Join(dir, "out.vrt")
		os.Remove(out)
		var r Result
		if viaStdout {
			r = Run(t, lim, in, out)
		} else {
			r = Run(t, lim, in, "", "-o", out)
		}
		got, _ := os.ReadFile(out)
		CheckDiskFull(t, fmt.Sprintf("stdout %v", viaStdout), r, got, want, lim)
	}
}
