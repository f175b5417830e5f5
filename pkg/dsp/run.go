package dsp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/wsatools/wsa/pkg/vrt"
)

// IOBufferSize is the read and write buffer of Run: 1 MiB, the size at
// which pipes stop being the limit (perf-notes §4).
const IOBufferSize = 1 << 20

// WriteError is a failure to write Run's output (a closed pipe, say), as
// opposed to a problem with the input.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return "writing output: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// Run reads a VRT stream from in until its end and writes the result to
// out: spectra for the I/Q data, every other packet unchanged and in order.
// Output is flushed whenever no input is waiting, so a live pipeline sees
// each spectrum as soon as it exists. At the end (or at malformed input,
// or when ctx is cancelled) everything that was computed is written,
// partial averages included, before Run returns; a malformed input comes
// back as the reader's *vrt.FormatError, a failed write as *WriteError.
func (s *Stream) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	defer func() { s.pos = pktPos{} }()
	w := vrt.NewWriter(out, vrt.WriterOptions{BufferSize: IOBufferSize})
	if s.cfg.Workers > 1 {
		return s.runParallel(ctx, in, w)
	}
	fr := &flushingReader{r: in, w: w}
	r := vrt.NewReader(fr, vrt.ReaderOptions{BufferSize: IOBufferSize})
	var buf []byte
	var rerr error
	for ctx.Err() == nil {
		off := r.Offset()
		p, err := r.Next()
		if err != nil {
			rerr = err
			break
		}
		s.pos = pktPos{r.Stats().Packets - 1, off, true}
		if buf, err = s.Feed(buf[:0], p); err != nil {
			// Everything before the failure goes out (whole packets).
			w.Write(buf)
			w.Flush()
			return err
		}
		if len(buf) > 0 {
			if _, err := w.Write(buf); err != nil {
				return &WriteError{err}
			}
		}
		if fr.err != nil {
			return &WriteError{fr.err}
		}
	}
	buf, ferr := s.Flush(buf[:0])
	// What was computed goes out, also next to a failure (as on the -j
	// path: another stream's partial average is still written).
	if _, err := w.Write(buf); err != nil {
		return &WriteError{err}
	}
	if err := w.Flush(); err != nil {
		return &WriteError{err}
	}
	if ferr != nil {
		return ferr
	}
	return endError(ctx, rerr)
}

// endError is what ended the input: nil for a clean end, the context's
// error when cancelled, the reader's error otherwise.
func endError(ctx context.Context, rerr error) error {
	if rerr == nil {
		return ctx.Err()
	}
	if errors.Is(rerr, io.EOF) {
		return nil
	}
	return rerr
}

// flushingReader flushes the output before every read of the input, i.e.
// whenever the reader has consumed everything that was buffered: output
// is never held back while waiting for input, and is written in big chunks
// while input is plentiful.
type flushingReader struct {
	r   io.Reader
	w   *vrt.Writer
	err error
}

func (f *flushingReader) Read(p []byte) (int, error) {
	if f.err == nil {
		f.err = f.w.Flush()
	}
	return f.r.Read(p)
}

// runParallel spreads the transforms over cfg.Workers goroutines. The
// reading side (this goroutine) frames packets, tracks context and cuts
// blocks; workers compute spectra; one writer goroutine takes jobs in
// input order, reduces, encodes and writes. A fixed set of jobs circulates,
// which bounds memory and keeps the steady state free of allocation.
func (s *Stream) runParallel(ctx context.Context, in io.Reader, w *vrt.Writer) error {
	nw := s.cfg.Workers
	njobs := 4 * nw
	free := make(chan *job, njobs)
	for range njobs {
		free <- &job{done: make(chan struct{}, 1)}
	}
	order := make(chan *job, njobs)
	work := make(chan *job, njobs)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc := planCache{opt: s.cfg.Options}
			for j := range work {
				pc.compute(j)
				j.done <- struct{}{}
			}
		}()
	}
	var werr error
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for j := range order {
			if j.kind == jobBlock {
				<-j.done
			}
			if werr == nil {
				s.out = s.out[:0]
				s.finish(j)
				if s.err != nil {
					w.Write(s.out) // the spectra before the failure
					werr = s.err
				} else if _, err := w.Write(s.out); err != nil {
					werr = &WriteError{err}
				} else if len(order) == 0 {
					if err := w.Flush(); err != nil {
						werr = &WriteError{err}
					}
				}
				if werr != nil {
					failed.Store(true) // keep draining so the reader never blocks
				}
			}
			free <- j
		}
		// Also after a failure of the stream: what was written before it
		// goes out.
		if err := w.Flush(); err != nil && werr == nil {
			werr = &WriteError{err}
		}
	}()
	s.getJob = func() *job { return <-free }
	s.submit = func(j *job) {
		j.at = s.pos
		order <- j
		if j.kind == jobBlock {
			work <- j
		}
	}
	defer func() {
		s.getJob = func() *job { return &s.inline }
		s.submit = s.runInline
	}()

	r := vrt.NewReader(in, vrt.ReaderOptions{BufferSize: IOBufferSize})
	var rerr error
	for ctx.Err() == nil && !failed.Load() {
		off := r.Offset()
		p, err := r.Next()
		if err != nil {
			rerr = err
			break
		}
		s.pos = pktPos{r.Stats().Packets - 1, off, true}
		s.prepare(p, true)
	}
	s.end()
	j := s.getJob()
	j.kind = jobEnd
	s.submit(j)
	close(order)
	close(work)
	wg.Wait()
	<-writerDone
	if werr != nil {
		return werr
	}
	if err := endError(ctx, rerr); err != nil {
		return err
	}
	return nil
}

// String describes the configuration in one line, for logs.
func (c *StreamConfig) String() string {
	spec, _ := LookupWindow(c.Window)
	name := "?"
	if spec != nil {
		name = spec.Name
	}
	mode := "one FFT per packet"
	if c.Bins > 0 {
		mode = fmt.Sprintf("%d-point blocks, overlap %.0f%%", c.Bins, 100*c.Overlap)
	}
	red := "live"
	switch {
	case c.Hold != HoldNone && c.Average > 1:
		red = fmt.Sprintf("%s hold over %d", [...]string{"", "max", "min"}[c.Hold], c.Average)
	case c.Hold != HoldNone:
		red = fmt.Sprintf("running %s hold", [...]string{"", "max", "min"}[c.Hold])
	case c.Average > 1:
		red = fmt.Sprintf("average of %d", c.Average)
	}
	return fmt.Sprintf("window %s, %s, %s, DC removal %v, IQ correction %v, centre fix %v, workers %d",
		name, mode, red, !c.NoDCRemoval, !c.NoIQCorrection, !c.NoCenterFix, max(1, c.Workers))
}
