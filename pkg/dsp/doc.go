// Package dsp turns WSA I/Q samples into spectra the way pyrf's WSA4000
// chain does (device-facts.md §5): DC removal, I/Q imbalance correction,
// window, FFT, magnitude in dB, centre-bin fix. It is the engine of wsa-fft
// and importable on its own, so a Go program can go from a captured block to
// a spectrum in a few lines.
//
// Levels are in dB relative to full scale (dBFS): 20·log10(|X[k]|/N) with X
// the DFT of the windowed samples scaled to ±1.0. Adding the device's
// reference level and RefLevelErrorDB gives absolute dBm (DBFSToDBm), which
// is exactly pyrf's 20·log10(|X_counts|/N) + RL − 62.5.
//
// The layers, from the top:
//
//   - Stream: a whole VRT stream in, spectrum packets out (wsa-fft): context
//     tracking, re-blocking with overlap, averages and holds, worker
//     goroutines that keep the output order.
//   - BlockSpectrum: one wsa.Block (a captured block) to a vrt.Spectrum.
//   - Plan: the chain for one length, made once and reused without
//     allocating (PowerIQ, PowerIQ16, DBIQ16, PowerReal).
//   - NewFFT (own radix-4/2 for powers of two, gonum otherwise), the window
//     registry with each window's ENBW, PowerDB (fast 10·log10).
//
// docs/DSP.md describes the chain, the options and the measured speed.
package dsp
