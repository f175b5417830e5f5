package dsp

// RefLevelErrorDB is what pyrf adds to 20·log10(|X|/N) of full-scale-scaled
// samples, on top of the reference level, to get dBm (REFLEVEL_ERROR for the
// WSA4000, device-facts.md §5.3). It is 20·log10(8192) − 62.5: the same
// calibration as the original formula on raw counts.
const RefLevelErrorDB = 15.7678

// DBFSToDBm converts dBFS bins to absolute dBm in place, given the reference
// level the device reported for the capture.
func DBFSToDBm(bins []float32, refLevelDBm float64) {
	off := float32(refLevelDBm + RefLevelErrorDB)
	for i := range bins {
		bins[i] += off
	}
}
