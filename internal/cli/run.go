package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	ucli "github.com/urfave/cli/v3"
)

// ExitError carries an exit code with an error, for Run.
type ExitError struct {
	Err  error
	Code int
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Exit wraps err with an exit code (nil stays nil).
func Exit(err error, code int) error {
	if err == nil {
		return nil
	}
	return &ExitError{Err: err, Code: code}
}

// errReported marks an error the tool has already printed.
var errReported = errors.New("already reported")

// Reported ends a tool with an exit code without printing anything more:
// for an error the tool already reported on stderr when it happened.
func Reported(code int) error { return &ExitError{Err: errReported, Code: code} }

// UsageError marks a problem with the command line (exit code 2).
func UsageError(format string, args ...any) error {
	return &ExitError{Err: fmt.Errorf(format, args...), Code: ExitUsage}
}

// Run runs a urfave/cli command the way every wsa tool does: a usage
// mistake prints one line ("prog: flag provided but not defined: -x") and
// exits 2 instead of dumping the whole help; other errors print one line and
// exit with the code of an ExitError, 1 otherwise, 0 for a broken pipe.
// It does not return.
//
// Every tool also gets shell completion (`TOOL completion bash|zsh|fish`)
// and prints its man page with `TOOL --man`.
func Run(cmd *ucli.Command) {
	setUsageHandler(cmd)
	// A reader that goes away (| head) must not kill us with SIGPIPE: with the
	// signal ignored, writes fail with EPIPE and the tool ends cleanly, exit 0.
	signal.Ignore(syscall.SIGPIPE)
	cmd.EnableShellCompletion = true
	if len(os.Args) == 2 && os.Args[1] == "--man" {
		fmt.Print(ManPage(cmd))
		os.Exit(ExitOK)
	}
	err := cmd.Run(context.Background(), os.Args)
	if err == nil || IsBrokenPipe(err) {
		os.Exit(ExitOK)
	}
	code := ExitFailure
	var ee *ExitError
	var uc usageErr
	switch {
	case errors.As(err, &ee):
		code = ee.Code
	case errors.As(err, &uc):
		code = ExitUsage
	}
	if code == ExitOK || errors.Is(err, errReported) {
		os.Exit(code)
	}
	Fatal(cmd.Name, err, code)
}

type usageErr struct{ error }

func (u usageErr) Unwrap() error { return u.error }

func setUsageHandler(cmd *ucli.Command) {
	if cmd.OnUsageError == nil {
		cmd.OnUsageError = func(_ context.Context, c *ucli.Command, err error, _ bool) error {
			return usageErr{fmt.Errorf("%w (see %s --help)", err, c.Name)}
		}
	}
	for _, sub := range cmd.Commands {
		setUsageHandler(sub)
	}
}
