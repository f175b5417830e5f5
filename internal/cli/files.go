package cli

import (
	"fmt"
	"io"
	"os"
)

// OpenInput opens what a filter tool reads: FILE, or stdin when it is "" or
// "-". name is how messages refer to it; close releases a file (a no-op for
// stdin). A file that cannot be opened is a failure (exit 1), not a usage
// error: the command line was right, the file was not there.
func OpenInput(file string) (in io.Reader, name string, close func(), err error) {
	if file == "" || file == "-" {
		return os.Stdin, "stdin", func() {}, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, file, nil, Exit(fmt.Errorf("open input: %w", err), ExitFailure)
	}
	return f, file, func() { f.Close() }, nil
}

// OpenPacketOutput opens where a filter tool writes packets: FILE (created
// or truncated), or stdout when it is "" or "-", which is refused when it is
// a terminal (a usage error: redirect it). Either way the writer is a
// PacketOutput, so a full disk leaves whole packets. close closes a file and
// reports its error (a no-op for stdout).
func OpenPacketOutput(file string) (out io.Writer, close func() error, err error) {
	if file == "" || file == "-" {
		if err := RefuseTerminal(os.Stdout); err != nil {
			return nil, nil, UsageError("%v", err)
		}
		return PacketOutput(os.Stdout), func() error { return nil }, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, nil, Exit(fmt.Errorf("output: %w", err), ExitFailure)
	}
	return PacketOutput(f), f.Close, nil
}
