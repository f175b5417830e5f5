package vrt

import (
	"errors"
	"fmt"
)

// Sentinel causes of a FormatError, for errors.Is.
var (
	ErrTruncated = errors.New("truncated packet")
	ErrZeroSize  = errors.New("size field is 0")
	ErrBadHeader = errors.New("header inconsistent with its size")
	ErrBadCRC    = errors.New("VRL frame CRC mismatch")
	ErrBadFrame  = errors.New("malformed VRL frame")
)

// FormatError is a stream that stops being VRT: it names the packet index
// (0-based, counting packets delivered before it) and the byte offset in the
// input where the bad packet or frame starts. Everything before it was
// delivered intact.
type FormatError struct {
	Index  int64
	Offset int64
	Reason string
	Err    error // one of the sentinels above
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("packet %d at byte offset %d: %s", e.Index, e.Offset, e.Reason)
}

func (e *FormatError) Unwrap() error { return e.Err }
