package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// job is one capture run, resolved from the flags.
type job struct {
	mode     string // "block", "stream" or "sweep"
	spp, ppb int
	blocks   int
	packets  int64         // stream: data packets to keep (0: until stopped)
	duration time.Duration // stream: converted to packets once the rate is known
	sweeps   int           // sweep passes (0: until stopped)
	plan     sweepPlan
	reqStart float64 // sweep range as asked (the plan may clamp it)
	reqStop  float64
	id       uint32        // stream or sweep ID
	timeout  time.Duration // longest wait for the next packet
}

// result counts what was written.
type result struct {
	Packets, Data, Samples, Bytes int64
}

// progress is told about every packet written (nil-safe).
type progress interface {
	packet(bytes int, data bool)
}

// outputError is a failure to write the VRT output (a closed pipe is the
// normal end of `| head`); anything else comes from the device, the
// recording replayed or the SigMF recording.
type outputError struct{ err error }

func (e *outputError) Error() string { return "write output: " + e.err.Error() }
func (e *outputError) Unwrap() error { return e.err }

// errNoData is the cron-friendly failure: the device went quiet.
type errNoData struct {
	wait time.Duration
	got  int64
}

func (e *errNoData) Error() string {
	if e.got == 0 {
		return fmt.Sprintf("no data from the device within %v", e.wait)
	}
	return fmt.Sprintf("data stopped: nothing for %v after %d data packets", e.wait, e.got)
}

// expected returns the number of data packets the job ends after, or -1
// when it runs until stopped.
func (j *job) expected() int64 {
	switch j.mode {
	case "block":
		return int64(j.blocks) * int64(j.ppb)
	case "stream":
		if j.packets == 0 {
			return -1
		}
		return j.packets
	default:
		if j.sweeps == 0 {
			return -1
		}
		return int64(j.sweeps) * int64(j.plan.Steps) * int64(j.plan.Entry.PPB)
	}
}

// run starts the capture and copies packets to w until the job's count is
// reached, ctx ends or the device fails. Every packet written is complete;
// the caller flushes w and closes c (which stops the device) whatever
// happened.
func (j *job) run(ctx context.Context, c *wsa.Client, w packetWriter, prog progress) (result, error) {
	var res result
	desc := j.description(c)
	var descCount uint8
	var sweepCtx vrt.Context
	var buf []byte
	copyUntil := func(data int64) error {
		for res.Data < data || data < 0 {
			rctx, cancel := context.WithTimeout(ctx, j.timeout)
			p, err := c.ReadPacket(rctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
					return &errNoData{j.timeout, res.Data}
				}
				return err
			}
			// The capture description goes before the first packet and,
			// in a sweep, before the device's sweep ID packet that opens
			// every pass, with that packet's timestamp.
			if res.Packets == 0 || (j.mode == "sweep" && startsPass(p, &sweepCtx)) {
				desc.Timestamp, desc.HasTime = p.Timestamp, p.TSI != vrt.TSINone
				if buf, err = vrt.AppendCaptureInfo(buf[:0], &desc, descCount); err != nil {
					return err
				}
				descCount = (descCount + 1) & 0xf
				if err := w.WritePacket(buf); err != nil {
					return err
				}
				res.Packets++
				res.Bytes += int64(len(buf))
			}
			if err := w.WritePacket(p.Raw); err != nil {
				return err
			}
			isData := p.Type.IsData()
			res.Packets++
			res.Bytes += int64(len(p.Raw))
			if isData {
				res.Data++
				res.Samples += int64(vrt.SampleCount(p))
			}
			if prog != nil {
				prog.packet(len(p.Raw), isData)
			}
		}
		return nil
	}
	switch j.mode {
	case "block":
		for b := 0; b < j.blocks; b++ {
			if err := c.Capture(ctx, j.spp, j.ppb); err != nil {
				return res, err
			}
			if err := copyUntil(int64(b+1) * int64(j.ppb)); err != nil {
				return res, err
			}
		}
		return res, nil
	case "stream":
		if err := c.SetSPP(ctx, j.spp); err != nil {
			return res, err
		}
		if j.duration > 0 {
			dec, err := c.Decimation(ctx)
			if err != nil {
				return res, err
			}
			fs := c.Properties().SampleRate(dec)
			j.packets = int64(math.Ceil(j.duration.Seconds() * fs / float64(j.spp)))
		}
		if err := c.StreamStart(ctx, j.id); err != nil {
			return res, err
		}
		if err := copyUntil(j.expected()); err != nil {
			return res, err
		}
		// Stop and drop what the device still holds; Close aborts too,
		// this just ends the stream the way pyrf's examples do.
		if err := c.StreamStop(ctx); err != nil {
			return res, err
		}
		return res, c.Flush(ctx)
	default:
		if err := c.SweepClear(ctx); err != nil {
			return res, err
		}
		if err := c.SweepAdd(ctx, j.plan.Entry); err != nil {
			return res, err
		}
		if err := c.SetSweepIterations(ctx, j.sweeps); err != nil {
			return res, err
		}
		if err := c.SweepStart(ctx, j.id); err != nil {
			return res, err
		}
		return res, copyUntil(j.expected())
	}
}

// description is the capture description of this job: who made the stream
// and, for a sweep, the sweep ID the device reports, the range the
// stitched pass covers and the centres per pass (docs/FORMAT.md §4).
func (j *job) description(c *wsa.Client) vrt.CaptureInfo {
	id := c.Identity()
	ci := vrt.CaptureInfo{Source: strings.Join(strings.Fields(id.Model+" "+id.Serial+" "+c.Host()), " ")}
	if j.mode == "sweep" {
		ci.HasSweep, ci.SweepID = true, j.id
		ci.SweepStartHz, ci.SweepStopHz, ci.SweepSteps = j.plan.StartHz, j.plan.StopHz, uint32(j.plan.Steps)
	}
	return ci
}

// startsPass reports whether p is the device's extension context packet
// carrying a sweep ID: the first packet of every pass of the sweep list.
func startsPass(p *vrt.Packet, c *vrt.Context) bool {
	if p.StreamID != vrt.StreamCustom || !p.Type.IsContext() || c.Decode(p) != nil {
		return false
	}
	_, ok := c.Get(vrt.FieldSweepID)
	return ok
}
