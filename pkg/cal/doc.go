// Package cal is the calibration half of the wsa pipeline (wsa-cal): it
// turns wsa-fft's spectra (dB full scale) into absolute dBm with the
// device's reference level, applies frequency-dependent corrections
// (cable loss, antenna factor, preamp gain) from a CSV table, stitches the
// captures of a sweep into one uniformly spaced spectrum, and measures
// peaks, channel power and occupied bandwidth.
//
// Everything works on vrt.Spectrum values, so a Go program can use the same
// steps as the command: ToDBm, Correction.Apply, Stitcher, Peaks,
// ChannelPower, OccupiedBandwidth. docs/CAL.md describes the choices made
// and how they relate to pyrf.
package cal
