package cli

import (
	"context"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// IdleReader wraps a tool's input so that Ctrl-C is handled the same way
// whether the tool is busy or waiting for input that never comes (an
// upstream stage that keeps its end of the pipe open):
//
//   - before every read of the input it calls Flush, so output is never
//     held back while the tool waits (a live pipeline sees each result at
//     once, and nothing is left in a buffer when the tool is stopped);
//   - StopWhenIdle runs a stop function once a signal has come and the
//     tool is blocked reading; from then on the reading goroutine never
//     returns from Read, so stop may finish the output and exit without
//     racing it.
//
// A busy tool notices the signal itself between packets (its context is
// cancelled) and ends the normal way.
type IdleReader struct {
	R     io.Reader
	Flush func() error // called before every read; nil: nothing to flush
	state atomic.Int32
	err   error
}

const (
	readerBusy int32 = iota
	readerIdle
	readerParked
)

func (r *IdleReader) Read(p []byte) (int, error) {
	if r.Flush != nil && r.err == nil {
		r.err = r.Flush()
	}
	r.state.Store(readerIdle)
	n, err := r.R.Read(p)
	if !r.state.CompareAndSwap(readerIdle, readerBusy) {
		select {} // StopWhenIdle took over: this goroutine goes no further
	}
	return n, err
}

// FlushErr returns the first error Flush returned (a closed pipe, a full
// disk); the tool's next write reports it anyway when Flush is its
// buffered writer's.
func (r *IdleReader) FlushErr() error { return r.err }

// StopWhenIdle watches ctx: once it is done and the reader is blocked in
// Read (everything read before has been handled and, with Flush, written),
// it calls stop, which should end the process (Exit, Fatal). The returned
// function ends the watch; call it when the tool finishes normally.
func (r *IdleReader) StopWhenIdle(ctx context.Context, stop func()) (cancel func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done: // ended meanwhile (or before: select chose at random)
				return
			default:
			}
			if r.state.CompareAndSwap(readerIdle, readerParked) {
				stop()
				return
			}
			select {
			case <-t.C:
			case <-done:
				return
			}
		}
	}()
	var closed atomic.Bool
	return func() {
		if closed.CompareAndSwap(false, true) {
			close(done)
		}
	}
}

// SignalCode is the shell's exit code for a signal that stopped a tool: 143
// for SIGTERM, 130 (ExitInterrupt) for Ctrl-C and anything else.
func SignalCode(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return 143
	}
	return ExitInterrupt
}
