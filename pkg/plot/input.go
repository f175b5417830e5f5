package plot

import (
	"errors"
	"fmt"
	"io"

	"github.com/wsatools/wsa/pkg/vrt"
)

// ErrRawIQ is the cause of the error Input.Next returns when the stream
// carries raw device samples instead of spectra.
var ErrRawIQ = errors.New("input is raw I/Q, not spectra: put wsa-fft in front (wsa-capture … | wsa-fft | wsa-plot)")

// Input reads the suite's spectrum packets from a VRT stream. It remembers
// the capture descriptions (docs/FORMAT.md §4) that pass by, so that a sweep
// can be known complete, and reports every problem as a *vrt.FormatError
// naming the packet index and byte offset, so a user can find the damage
// with wsa-dump.
type Input struct {
	r       *vrt.Reader
	dec     vrt.SpectrumDecoder
	infos   map[uint32]vrt.CaptureInfo // by stream ID >> 8 (see CaptureInfo)
	spectra int64
	skipped int64 // data packets that were not spectra, after the first spectrum
	packets int64
}

// NewInput reads packets from r (bare VRT or VRL frames).
func NewInput(r io.Reader) *Input {
	return &Input{r: vrt.NewReader(r, vrt.ReaderOptions{}), infos: map[uint32]vrt.CaptureInfo{}}
}

// Next returns the next complete spectrum (reassembled when it came in
// segments). The spectrum and its Bins stay valid until the next call: copy
// what you keep. At the end of the input it returns io.EOF.
//
// A data packet that is not a spectrum before any spectrum was seen is an
// error wrapping ErrRawIQ (someone forgot wsa-fft); after spectra it is
// skipped and counted (Skipped), so a stream that mixes both still plots.
func (in *Input) Next() (*vrt.Spectrum, error) {
	for {
		off := in.r.Offset()
		p, err := in.r.Next()
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			var fe *vrt.FormatError
			if errors.As(err, &fe) {
				return nil, fe
			}
			return nil, fmt.Errorf("read input: %w", err)
		}
		index := in.packets
		in.packets++
		if vrt.IsCaptureInfo(p) {
			ci, err := vrt.DecodeCaptureInfo(p)
			if err != nil {
				return nil, &vrt.FormatError{Index: index, Offset: off, Reason: err.Error(), Err: err}
			}
			in.infos[ci.StreamID>>8] = ci
			continue
		}
		s, err := in.dec.Feed(p)
		if errors.Is(err, vrt.ErrNotSpectrum) {
			if in.spectra == 0 {
				return nil, &vrt.FormatError{Index: index, Offset: off,
					Reason: fmt.Sprintf("data packet on stream 0x%08x: %v", p.StreamID, ErrRawIQ), Err: ErrRawIQ}
			}
			in.skipped++
			continue
		}
		if err != nil {
			return nil, &vrt.FormatError{Index: index, Offset: off, Reason: err.Error(), Err: err}
		}
		if s == nil {
			continue
		}
		if !(s.StepHz > 0) || len(s.Bins) == 0 {
			return nil, &vrt.FormatError{Index: index, Offset: off,
				Reason: fmt.Sprintf("spectrum on stream 0x%08x has step %v Hz and %d bins", p.StreamID, s.StepHz, len(s.Bins))}
		}
		in.spectra++
		return s, nil
	}
}

// CaptureInfo returns the latest capture description that applies to a
// spectrum stream. Descriptions match spectra by the upper 24 bits of the
// stream ID, which is what wsa-pull keeps distinct when it merges sources
// (0x57530001 and 0x57530003 from the 2nd URL become 0x57530201 and
// 0x57530203).
func (in *Input) CaptureInfo(stream uint32) (vrt.CaptureInfo, bool) {
	ci, ok := in.infos[stream>>8]
	return ci, ok
}

// Spectra returns how many spectra Next has returned.
func (in *Input) Spectra() int64 { return in.spectra }

// Skipped returns how many non-spectrum data packets were skipped.
func (in *Input) Skipped() int64 { return in.skipped }

// Packets returns how many packets were read.
func (in *Input) Packets() int64 { return in.packets }
