package longpoll

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// TagMode says whether Pull rewrites spectrum stream IDs per source.
type TagMode uint8

const (
	TagAuto TagMode = iota // tag when there is more than one source
	TagOn
	TagOff
)

// ParseTagMode accepts auto, on or off.
func ParseTagMode(s string) (TagMode, error) {
	switch s {
	case "auto":
		return TagAuto, nil
	case "on":
		return TagOn, nil
	case "off":
		return TagOff, nil
	}
	return TagAuto, fmt.Errorf("tag %q: want auto (when merging), on or off", s)
}

// MaxTaggedSources is the most sources stream tagging can tell apart.
const MaxTaggedSources = 255

// TagStreamID returns the stream ID a spectrum stream gets when merged as
// source k (1-based position among the URLs): bits 15..8 of a suite
// spectrum stream (0x5753xxxx) are replaced by k, so 0x57530003 from the
// first source becomes 0x57530103 and from the second 0x57530203. Other
// stream IDs name their packets' format (device I/Q, context) and are kept;
// ok reports whether id was rewritten.
func TagStreamID(id uint32, k int) (tagged uint32, ok bool) {
	if id&0xffff0000 != vrt.StreamSpectrumBase || k < 1 || k > MaxTaggedSources {
		return id, false
	}
	return id&^0xff00 | uint32(k)<<8, true
}

// PullOptions configure Pull.
type PullOptions struct {
	ClientOptions
	// Count stops after this many packets in all (0: until every source ends).
	Count int64
	// Tag: see TagStreamID.
	Tag TagMode
	// FailOnGap ends Pull with an error wrapping ErrGap at the first loss.
	FailOnGap bool
	// OnGap is called for every gap (before the packets that follow it).
	OnGap func(Gap)
}

// WriteError is a failure to write Pull's output (a closed pipe, say), as
// opposed to a failure of a source.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return "writing output: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// ErrGap is wrapped by Pull's error when FailOnGap is set and packets were lost.
var ErrGap = errors.New("packets were lost")

// Summary is what Pull delivered and lost, per source.
type Summary struct {
	Packets uint64
	Bytes   uint64
	Sources []SourceStats
}

// Gaps returns the number of gaps over all sources.
func (s Summary) Gaps() (n int) {
	for _, x := range s.Sources {
		n += x.Gaps
	}
	return n
}

// Lost returns the packets lost over all sources and whether that is a lower bound.
func (s Summary) Lost() (n uint64, atLeast bool) {
	for _, x := range s.Sources {
		n += x.Lost
		atLeast = atLeast || x.LostAtLeast
	}
	return n, atLeast
}

type pulled struct {
	src int
	res Result
	buf []byte
	err error
}

// Pull reads every URL and writes their packets to out, whole packets at a
// time: each source's answers go out in order, sources interleave only
// between answers, never inside a packet. With several sources and
// Tag != TagOff, spectrum stream IDs are tagged per source (TagStreamID)
// so that downstream tools see distinct streams. Pull returns when every
// source has ended (nil, or an error naming a source whose input failed),
// when Count packets were written, on a write error, on a source's fatal
// error, on a gap with FailOnGap, or when ctx ends. On an early end it
// tells the servers it is leaving.
func Pull(ctx context.Context, out io.Writer, urls []string, opt PullOptions) (Summary, error) {
	if len(urls) == 0 {
		return Summary{}, errors.New("longpoll: no URL to pull from")
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = NewHTTPClient(nil)
	}
	if opt.ClientID == "" {
		opt.ClientID = NewClientID()
	}
	tag := opt.Tag == TagOn || opt.Tag == TagAuto && len(urls) > 1
	if tag && len(urls) > MaxTaggedSources {
		return Summary{}, fmt.Errorf("longpoll: stream tagging tells at most %d sources apart, got %d URLs", MaxTaggedSources, len(urls))
	}
	srcs := make([]*Source, len(urls))
	for i, u := range urls {
		s, err := NewSource(u, opt.ClientOptions)
		if err != nil {
			return Summary{}, err
		}
		if opt.Count > 0 {
			s.SetLimit(opt.Count)
		}
		srcs[i] = s
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	items := make(chan pulled)
	pools := make([]chan []byte, len(srcs))
	for i, s := range srcs {
		// Two buffers per source: one being filled from the network while
		// the other is written out.
		pools[i] = make(chan []byte, 2)
		pools[i] <- nil
		pools[i] <- nil
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var buf []byte
				select {
				case buf = <-pools[i]:
				case <-ctx.Done():
					return
				}
				res, err := s.Next(ctx, buf)
				if res.Data != nil {
					buf = res.Data
				}
				select {
				case items <- pulled{src: i, res: res, buf: buf, err: err}:
				case <-ctx.Done():
					return
				}
				if err != nil || res.EOF || s.limited && s.remaining <= 0 {
					return
				}
			}
		}()
	}
	ended := make([]bool, len(srcs))
	warned := make([]bool, len(srcs))
	var sum Summary
	var err error
	live := len(srcs)
	plainIDs := map[uint32]int{} // stream IDs tagging cannot rewrite -> first source seen
	for live > 0 && err == nil {
		var it pulled
		select {
		case it = <-items:
		case <-ctx.Done():
			err = ctx.Err()
			continue
		}
		for _, g := range it.res.Gaps {
			if opt.OnGap != nil {
				opt.OnGap(g)
			}
			if opt.FailOnGap {
				err = fmt.Errorf("%w: %v", ErrGap, g)
			}
		}
		if err != nil {
			break
		}
		if it.err != nil {
			err = it.err
			break
		}
		data := it.res.Data
		if opt.Count > 0 {
			data = firstPackets(data, opt.Count-int64(sum.Packets))
		}
		if tag && len(data) > 0 {
			tagPackets(data, it.src+1, func(id uint32, rewrote bool) {
				if rewrote {
					if !warned[it.src] && id&0xff00 != 0 {
						warned[it.src] = true
						opt.logf("%s: spectrum stream 0x%08x already uses bits 15..8; tagging overwrites them (sources that are themselves merges may collide)", urls[it.src], id)
					}
					return
				}
				if first, ok := plainIDs[id]; !ok {
					plainIDs[id] = it.src
				} else if first != it.src && first >= 0 {
					plainIDs[id] = -1
					opt.logf("stream 0x%08x comes from several sources and is not a spectrum stream, so it cannot be tagged: downstream tools cannot tell those sources apart (put wsa-fft before wsa-serve)", id)
				}
			})
		}
		if len(data) > 0 {
			if _, werr := out.Write(data); werr != nil {
				err = &WriteError{werr}
				break
			}
			n, _ := countPackets(data)
			sum.Packets += uint64(n)
			sum.Bytes += uint64(len(data))
		}
		if opt.Count > 0 && int64(sum.Packets) >= opt.Count {
			break
		}
		if it.res.EOF {
			ended[it.src] = true
			live--
			continue
		}
		pools[it.src] <- it.buf[:0]
	}
	cancel()
	wg.Wait()
	// Leave the servers we stop reading early, so they hold nothing for us.
	var lw sync.WaitGroup
	for i, s := range srcs {
		if !ended[i] {
			lw.Add(1)
			go func() {
				defer lw.Done()
				lctx, lcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
				defer lcancel()
				s.Leave(lctx)
			}()
		}
	}
	lw.Wait()
	for _, s := range srcs {
		sum.Sources = append(sum.Sources, s.Stats())
	}
	if err == nil {
		for _, st := range sum.Sources {
			if st.InputError != "" {
				err = fmt.Errorf("%s: the server's input ended with an error: %s", st.URL, st.InputError)
				break
			}
		}
	}
	return sum, err
}

func (o *ClientOptions) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// firstPackets returns the first n packets of b.
func firstPackets(b []byte, n int64) []byte {
	off := 0
	for ; n > 0 && off+4 <= len(b); n-- {
		off += vrt.SizeOf(b[off:])
	}
	return b[:min(off, len(b))]
}

// tagPackets rewrites spectrum stream IDs of whole packets in b as source k,
// calling seen for every stream ID met (before rewriting).
func tagPackets(b []byte, k int, seen func(id uint32, rewrote bool)) {
	for off := 0; off+4 <= len(b); {
		size := vrt.SizeOf(b[off:])
		if size < 8 || off+size > len(b) {
			return
		}
		if vrt.PacketType(b[off] >> 4).HasStreamID() {
			id := binary.BigEndian.Uint32(b[off+4:])
			t, ok := TagStreamID(id, k)
			if ok {
				binary.BigEndian.PutUint32(b[off+4:], t)
			}
			if seen != nil {
				seen(id, ok)
			}
		}
		off += size
	}
}
