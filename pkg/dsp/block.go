package dsp

import (
	"errors"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// BlockSpectrum computes the spectrum of one captured block (wsa.Client's
// CaptureBlock) with the chain: all of its samples in one FFT, bins in
// dBFS, frequencies, reference level and sweep ID from the block's
// context, exactly as wsa-fft would for a packet of that size. Add the
// reference level with DBFSToDBm for dBm. At a centre frequency in the
// real-only band the real path (I only, 0 … fs/2) is used.
func BlockSpectrum(b *wsa.Block, opt Options) (*vrt.Spectrum, error) {
	if b == nil || len(b.I) < 2 || len(b.Q) != len(b.I) {
		return nil, errors.New("dsp: block has fewer than 2 I/Q samples")
	}
	st, err := NewStream(StreamConfig{Options: opt})
	if err != nil {
		return nil, err
	}
	st.state = b.Context
	n := len(b.I)
	fr := st.frameOf(vrt.FormatI14Q14, n, vrt.StreamI14Q14, false)
	p, err := NewPlan(n, fr.kind == kindReal, opt)
	if err != nil {
		return nil, err
	}
	i, q := make([]float64, n), make([]float64, n)
	for k := range i {
		i[k], q[k] = float64(b.I[k])*vrt.ScaleI14, float64(b.Q[k])*vrt.ScaleI14
	}
	pow := make([]float64, p.Bins())
	if p.Real() {
		p.PowerReal(pow, i, false)
	} else {
		p.PowerIQ(pow, i, q, false)
	}
	bins := make([]float32, len(pow))
	PowerToDB(bins, pow, opt.ExactLog)
	return &vrt.Spectrum{
		StreamID: fr.outID, Timestamp: b.Start, HasTime: true,
		CenterHz: fr.centerHz, StartHz: fr.startHz, StepHz: fr.stepHz, RBWHz: fr.rbwHz, SampleRateHz: fr.fsHz,
		RefLevelDBm: fr.refLevel, HasRefLevel: fr.hasRef, Units: vrt.UnitsDBFS, Trace: vrt.TraceLive,
		Window: p.Window(), FFTSize: uint32(n), WindowPoints: uint32(n), Averages: 1,
		SweepID: fr.sweepID, HasSweepID: fr.hasSweep, Decimation: fr.decimation, Bins: bins,
	}, nil
}

// Peak returns the index of the largest bin (the first of equals), -1 for
// no bins.
func Peak(bins []float32) int {
	k := -1
	for j, v := range bins {
		if k < 0 || v > bins[k] {
			k = j
		}
	}
	return k
}
