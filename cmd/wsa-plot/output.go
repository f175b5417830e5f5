package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// output is where the result goes: stdout, or a file written under a
// temporary name beside it and renamed into place only when complete, so a
// failure (disk full, bad input, Ctrl-C before the end) never leaves a half
// PNG that looks like a picture. Paths that are not regular files (a FIFO,
// /dev/null, /dev/full) are written directly.
type output struct {
	name  string // as given, for messages
	final string
	f     *os.File
	tmp   string
	bw    *bufio.Writer
	mode  fs.FileMode
}

func openOutput(path string) (*output, error) {
	if path == "" || path == "-" {
		return &output{name: "stdout", f: os.Stdout, bw: bufio.NewWriterSize(os.Stdout, 256<<10)}, nil
	}
	o := &output{name: path, final: path, mode: 0o644}
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return nil, fmt.Errorf("open output: %w", err)
			}
			o.f, o.final = f, ""
			o.bw = bufio.NewWriterSize(f, 256<<10)
			return o, nil
		}
		o.mode = st.Mode().Perm()
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create output: %w", err)
	}
	o.f, o.tmp = f, f.Name()
	o.bw = bufio.NewWriterSize(f, 256<<10)
	return o, nil
}

// Write writes to the output's buffer.
func (o *output) Write(p []byte) (int, error) { return o.bw.Write(p) }

func (o *output) Writer() io.Writer { return o.bw }

// Commit flushes and, for a file, syncs it and renames it into place.
func (o *output) Commit() error {
	err := o.bw.Flush()
	if o.f == os.Stdout {
		if err != nil {
			return fmt.Errorf("write %s: %w", o.name, err)
		}
		return nil
	}
	if err == nil && o.tmp != "" {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		o.remove()
		return fmt.Errorf("write %s: %w", o.name, unwrapPath(err))
	}
	if o.tmp == "" {
		return nil
	}
	if err := os.Chmod(o.tmp, o.mode); err != nil {
		o.remove()
		return fmt.Errorf("write %s: %w", o.name, err)
	}
	if err := os.Rename(o.tmp, o.final); err != nil {
		o.remove()
		return fmt.Errorf("write %s: %w", o.name, unwrapPath(err))
	}
	return nil
}

// Abort drops a file output that was not committed.
func (o *output) Abort() {
	if o.f == os.Stdout || o.tmp == "" {
		return
	}
	o.f.Close()
	o.remove()
}

func (o *output) remove() {
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

// unwrapPath drops the temporary file name from an error: the user named
// the final file, so messages name that one.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
