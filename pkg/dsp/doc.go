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
package dsp
