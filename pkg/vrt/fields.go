package vrt

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Kind says how a context field's bytes map to a value.
type Kind uint8

// Field kinds.
const (
	KindFlag          Kind = iota // no data: the indicator bit is the value
	KindU32                       // unsigned 32-bit integer
	KindHex32                     // 32-bit identifier, shown in hex
	KindR20                       // signed 64-bit fixed point, 20 fraction bits (Hz)
	KindI64                       // signed 64-bit integer
	KindU64                       // unsigned 64-bit integer
	KindLevel16R7                 // lower 16 bits signed, 7 fraction bits (dBm, dB)
	KindGain                      // two signed 16-bit halves, 7 fraction bits (stage 1 high, stage 2 low)
	KindTemp16R6                  // lower 16 bits signed, 6 fraction bits (°C)
	KindDeviceID                  // OUI (24 bits) and device code (16 bits)
	KindPayloadFormat             // data packet payload format (two words)
	KindGeo                       // formatted GPS / INS geolocation (11 words)
	KindSpectrum                  // VITA-49.2 spectrum field (13 words)
	KindString                    // suite extension: byte length word, then bytes padded to a word
	KindGPSASCII                  // OUI word, word count, ASCII words
	KindAssocLists                // context association lists
	KindRaw                       // fixed size, kept as bytes
	KindUnsupported               // size unknown to this package: decoding stops with an error
)

// FieldSpec describes one context field: where its indicator bit sits, its
// JSON name (with the unit in the name, SI units), its size and its kind.
// The decoder and the encoder both read these tables.
type FieldSpec struct {
	Table Table
	Word  int  // which indicator word of the table (0..3 for CIF0..CIF3)
	Bit   uint // indicator bit
	Name  string
	Size  int // bytes; -1 for variable-size fields
	Kind  Kind
}

func (s *FieldSpec) String() string { return s.Name }

// Table names the field layout a context packet follows.
type Table uint8

// The layouts this package knows.
const (
	TableCIF     Table = iota // standard VITA-49.0/49.2 CIF0..CIF3
	TableThinkRF              // ThinkRF custom extension context (stream 0x90000004)
	TableWSA                  // this suite's spectrum extension context (docs/FORMAT.md)
	TableOpaque               // payload not walked (e.g. pyrf's speca recording packet)
)

func (t Table) String() string {
	return [...]string{"cif", "thinkrf", "wsa", "opaque"}[t]
}

// Named specs of the fields the suite reads and writes.
var (
	FieldChangeIndicator = &FieldSpec{TableCIF, 0, 31, "change_indicator", 0, KindFlag}
	FieldRefPoint        = &FieldSpec{TableCIF, 0, 30, "reference_point_id", 4, KindHex32}
	FieldBandwidth       = &FieldSpec{TableCIF, 0, 29, "bandwidth_hz", 8, KindR20}
	FieldIFRefFreq       = &FieldSpec{TableCIF, 0, 28, "if_ref_freq_hz", 8, KindR20}
	FieldRFFreq          = &FieldSpec{TableCIF, 0, 27, "rf_freq_hz", 8, KindR20}
	FieldRFOffset        = &FieldSpec{TableCIF, 0, 26, "rf_offset_hz", 8, KindR20}
	FieldIFBandOffset    = &FieldSpec{TableCIF, 0, 25, "if_band_offset_hz", 8, KindR20}
	FieldRefLevel        = &FieldSpec{TableCIF, 0, 24, "reference_level_dbm", 4, KindLevel16R7}
	FieldGain            = &FieldSpec{TableCIF, 0, 23, "gain_db", 4, KindGain}
	FieldOverRangeCount  = &FieldSpec{TableCIF, 0, 22, "over_range_count", 4, KindU32}
	FieldSampleRate      = &FieldSpec{TableCIF, 0, 21, "sample_rate_hz", 8, KindR20}
	FieldTimestampAdj    = &FieldSpec{TableCIF, 0, 20, "timestamp_adjustment_fs", 8, KindI64}
	FieldTimestampCal    = &FieldSpec{TableCIF, 0, 19, "timestamp_calibration_s", 4, KindU32}
	FieldTemperature     = &FieldSpec{TableCIF, 0, 18, "temperature_c", 4, KindTemp16R6}
	FieldDeviceID        = &FieldSpec{TableCIF, 0, 17, "device_id", 8, KindDeviceID}
	FieldStateEvent      = &FieldSpec{TableCIF, 0, 16, "state_event", 4, KindHex32}
	FieldPayloadFormat   = &FieldSpec{TableCIF, 0, 15, "payload_format", 8, KindPayloadFormat}
	FieldGPS             = &FieldSpec{TableCIF, 0, 14, "gps", 44, KindGeo}
	FieldINS             = &FieldSpec{TableCIF, 0, 13, "ins", 44, KindGeo}
	FieldSpectrum        = &FieldSpec{TableCIF, 1, 10, "spectrum", 52, KindSpectrum}

	// ThinkRF custom context (stream 0x90000004), device-facts.md §2.4.
	FieldSweepID       = &FieldSpec{TableThinkRF, 0, 0, "sweep_id", 4, KindU32}
	FieldStreamStartID = &FieldSpec{TableThinkRF, 0, 1, "stream_id", 4, KindU32}
	FieldIQSwap        = &FieldSpec{TableThinkRF, 0, 3, "iq_swap", 4, KindU32}

	// The suite's spectrum extension context (docs/FORMAT.md).
	FieldUnits     = &FieldSpec{TableWSA, 0, 31, "units", 4, KindU32}
	FieldStartFreq = &FieldSpec{TableWSA, 0, 30, "start_hz", 8, KindR20}
	FieldStepFreq  = &FieldSpec{TableWSA, 0, 29, "step_hz", 8, KindR20}
	FieldRBW       = &FieldSpec{TableWSA, 0, 28, "rbw_hz", 8, KindR20}
	FieldWSASweep  = &FieldSpec{TableWSA, 0, 27, "sweep_id", 4, KindU32}
	FieldTrace     = &FieldSpec{TableWSA, 0, 26, "trace", 4, KindU32}
	FieldTotalBins = &FieldSpec{TableWSA, 0, 25, "total_bins", 4, KindU32}
	FieldSource    = &FieldSpec{TableWSA, 0, 24, "source", -1, KindString}
	FieldDecim     = &FieldSpec{TableWSA, 0, 23, "decimation", 4, KindU32}

	// The suite's capture description (packet class ClassCaptureInfo), same
	// table: the requested sweep, so a stitcher knows the range and the
	// number of steps without being told again.
	FieldSweepStart = &FieldSpec{TableWSA, 0, 22, "sweep_start_hz", 8, KindR20}
	FieldSweepStop  = &FieldSpec{TableWSA, 0, 21, "sweep_stop_hz", 8, KindR20}
	FieldSweepSteps = &FieldSpec{TableWSA, 0, 20, "sweep_steps", 4, KindU32}
)

// cifEnableBits are CIF0 bits that announce further indicator words rather than fields.
const (
	cif0EnableCIF1 = 1
	cif0EnableCIF2 = 2
	cif0EnableCIF3 = 3
	cif0EnableCIF7 = 7
)

// tables[t][word][bit] is the spec for that indicator bit, nil for reserved bits.
var tables [4][4][32]*FieldSpec

func init() {
	for _, s := range []*FieldSpec{
		FieldChangeIndicator, FieldRefPoint, FieldBandwidth, FieldIFRefFreq, FieldRFFreq, FieldRFOffset,
		FieldIFBandOffset, FieldRefLevel, FieldGain, FieldOverRangeCount, FieldSampleRate, FieldTimestampAdj,
		FieldTimestampCal, FieldTemperature, FieldDeviceID, FieldStateEvent, FieldPayloadFormat, FieldGPS, FieldINS,
		{TableCIF, 0, 12, "ecef_ephemeris", 52, KindRaw},
		{TableCIF, 0, 11, "relative_ephemeris", 52, KindRaw},
		{TableCIF, 0, 10, "ephemeris_ref_id", 4, KindHex32},
		{TableCIF, 0, 9, "gps_ascii", -1, KindGPSASCII},
		{TableCIF, 0, 8, "context_association_lists", -1, KindAssocLists},
		// CIF1 (VITA-49.2)
		{TableCIF, 1, 31, "phase_offset", 4, KindRaw},
		{TableCIF, 1, 30, "polarization", 4, KindRaw},
		{TableCIF, 1, 29, "pointing_vector", 4, KindRaw},
		{TableCIF, 1, 28, "pointing_vector_struct", -1, KindUnsupported},
		{TableCIF, 1, 27, "spatial_scan_type", 4, KindHex32},
		{TableCIF, 1, 26, "spatial_ref_type", 4, KindHex32},
		{TableCIF, 1, 25, "beam_widths", 4, KindRaw},
		{TableCIF, 1, 24, "range", 4, KindRaw},
		{TableCIF, 1, 20, "ebno_ber", 4, KindRaw},
		{TableCIF, 1, 19, "threshold", 4, KindRaw},
		{TableCIF, 1, 18, "compression_point", 4, KindRaw},
		{TableCIF, 1, 17, "intercept_points", 4, KindRaw},
		{TableCIF, 1, 16, "snr_noise_figure", 4, KindRaw},
		{TableCIF, 1, 15, "aux_freq_hz", 8, KindR20},
		{TableCIF, 1, 14, "aux_gain_db", 4, KindGain},
		{TableCIF, 1, 13, "aux_bandwidth_hz", 8, KindR20},
		{TableCIF, 1, 11, "array_of_cifs", -1, KindUnsupported},
		FieldSpectrum,
		{TableCIF, 1, 9, "sector_scan", -1, KindUnsupported},
		{TableCIF, 1, 7, "index_list", -1, KindUnsupported},
		{TableCIF, 1, 6, "discrete_io32", 4, KindHex32},
		{TableCIF, 1, 5, "discrete_io64", 8, KindU64},
		{TableCIF, 1, 4, "health_status", 4, KindHex32},
		{TableCIF, 1, 3, "v49_spec_compliance", 4, KindHex32},
		{TableCIF, 1, 2, "version_build_code", 4, KindHex32},
		{TableCIF, 1, 1, "buffer_size", 8, KindU64},
		// CIF2 (VITA-49.2): identifiers
		{TableCIF, 2, 31, "bind", 4, KindHex32},
		{TableCIF, 2, 30, "cited_sid", 4, KindHex32},
		{TableCIF, 2, 29, "sibling_sid", 4, KindHex32},
		{TableCIF, 2, 28, "parent_sid", 4, KindHex32},
		{TableCIF, 2, 27, "child_sid", 4, KindHex32},
		{TableCIF, 2, 26, "cited_message_id", 4, KindHex32},
		{TableCIF, 2, 25, "controllee_id", 4, KindHex32},
		{TableCIF, 2, 24, "controllee_uuid", 16, KindRaw},
		{TableCIF, 2, 23, "controller_id", 4, KindHex32},
		{TableCIF, 2, 22, "controller_uuid", 16, KindRaw},
		{TableCIF, 2, 21, "info_source", 4, KindHex32},
		{TableCIF, 2, 20, "track_id", 4, KindHex32},
		{TableCIF, 2, 19, "country_code", 4, KindHex32},
		{TableCIF, 2, 18, "operator", 4, KindHex32},
		{TableCIF, 2, 17, "platform_class", 4, KindHex32},
		{TableCIF, 2, 16, "platform_instance", 4, KindHex32},
		{TableCIF, 2, 15, "platform_display", 4, KindHex32},
		{TableCIF, 2, 14, "ems_device_class", 4, KindHex32},
		{TableCIF, 2, 13, "ems_device_type", 4, KindHex32},
		{TableCIF, 2, 12, "ems_device_instance", 4, KindHex32},
		{TableCIF, 2, 11, "modulation_class", 4, KindHex32},
		{TableCIF, 2, 10, "modulation_type", 4, KindHex32},
		{TableCIF, 2, 9, "function_id", 4, KindHex32},
		{TableCIF, 2, 8, "mode_id", 4, KindHex32},
		{TableCIF, 2, 7, "event_id", 4, KindHex32},
		{TableCIF, 2, 6, "function_priority_id", 4, KindHex32},
		{TableCIF, 2, 5, "communication_priority_id", 4, KindHex32},
		{TableCIF, 2, 4, "rf_footprint", 4, KindHex32},
		{TableCIF, 2, 3, "rf_footprint_range", 4, KindHex32},
		// CIF3 (VITA-49.2): timing and environment
		{TableCIF, 3, 31, "timestamp_details", 8, KindU64},
		{TableCIF, 3, 30, "timestamp_skew", 8, KindI64},
		{TableCIF, 3, 27, "rise_time", 8, KindI64},
		{TableCIF, 3, 26, "fall_time", 8, KindI64},
		{TableCIF, 3, 25, "offset_time", 8, KindI64},
		{TableCIF, 3, 24, "pulse_width", 8, KindI64},
		{TableCIF, 3, 23, "period", 8, KindI64},
		{TableCIF, 3, 22, "duration", 8, KindI64},
		{TableCIF, 3, 21, "dwell", 8, KindI64},
		{TableCIF, 3, 20, "jitter", 8, KindI64},
		{TableCIF, 3, 17, "age", -1, KindUnsupported},
		{TableCIF, 3, 16, "shelf_life", -1, KindUnsupported},
		{TableCIF, 3, 7, "air_temperature_c", 4, KindTemp16R6},
		{TableCIF, 3, 6, "ground_temperature_c", 4, KindTemp16R6},
		{TableCIF, 3, 5, "humidity", 4, KindRaw},
		{TableCIF, 3, 4, "barometric_pressure", 4, KindRaw},
		{TableCIF, 3, 3, "sea_swell_state", 4, KindRaw},
		{TableCIF, 3, 2, "tropospheric_state", 4, KindRaw},
		{TableCIF, 3, 1, "network_id", 4, KindHex32},
		FieldSweepID, FieldStreamStartID, FieldIQSwap,
		FieldUnits, FieldStartFreq, FieldStepFreq, FieldRBW, FieldWSASweep, FieldTrace, FieldTotalBins, FieldSource, FieldDecim,
		FieldSweepStart, FieldSweepStop, FieldSweepSteps,
	} {
		if tables[s.Table][s.Word][s.Bit] != nil {
			panic("vrt: duplicate field spec " + s.Name)
		}
		tables[s.Table][s.Word][s.Bit] = s
	}
}

// Spec returns the field description for an indicator bit, or nil.
func Spec(t Table, word int, bit uint) *FieldSpec {
	if int(t) >= len(tables) || word < 0 || word > 3 || bit > 31 {
		return nil
	}
	return tables[t][word][bit]
}

// fieldSize returns the byte length of a field whose data starts at b.
func fieldSize(s *FieldSpec, b []byte) (int, error) {
	if s.Size >= 0 {
		return s.Size, nil
	}
	switch s.Kind {
	case KindString:
		if len(b) < 4 {
			return 0, fmt.Errorf("field %s: length word missing", s.Name)
		}
		n := int(be32(b))
		if n > 0x3ffff {
			return 0, fmt.Errorf("field %s: length %d bytes is implausible", s.Name, n)
		}
		return 4 + (n+3)/4*4, nil
	case KindGPSASCII:
		if len(b) < 8 {
			return 0, fmt.Errorf("field %s: header words missing", s.Name)
		}
		return 8 + 4*int(be32(b[4:])&0xffff), nil
	case KindAssocLists:
		if len(b) < 8 {
			return 0, fmt.Errorf("field %s: header words missing", s.Name)
		}
		w0, w1 := be32(b), be32(b[4:])
		src, sys := int(w0>>16)&0x1ff, int(w0)&0x1ff
		vec, async := int(w1>>16), int(w1)&0x7fff
		n := src + sys + vec + async
		if w1&0x8000 != 0 {
			n += async
		}
		return 8 + 4*n, nil
	}
	return 0, fmt.Errorf("field %s (indicator bit %d of word %d): size unknown to this decoder, cannot skip it", s.Name, s.Bit, s.Word)
}

// Field is one decoded context field: its description and its bytes (a view).
type Field struct {
	Spec *FieldSpec
	Raw  []byte
}

// Float returns a numeric field in its SI unit (Hz, dBm, dB, °C, or the
// integer value). Gain returns the sum of both stages. ok is false for
// kinds without a single numeric value.
func (f Field) Float() (v float64, ok bool) {
	b := f.Raw
	switch f.Spec.Kind {
	case KindFlag:
		return 1, true
	case KindU32, KindHex32:
		return float64(be32(b)), true
	case KindR20:
		return float64(int64(be64(b))) / (1 << 20), true
	case KindI64:
		return float64(int64(be64(b))), true
	case KindU64:
		return float64(be64(b)), true
	case KindLevel16R7:
		return float64(int16(be32(b))) / 128, true
	case KindGain:
		w := be32(b)
		return float64(int16(w>>16))/128 + float64(int16(w))/128, true
	case KindTemp16R6:
		return float64(int16(be32(b))) / 64, true
	}
	return 0, false
}

// Uint returns the first word of the field as an integer.
func (f Field) Uint() uint32 {
	if len(f.Raw) < 4 {
		return 0
	}
	return be32(f.Raw)
}

// Text returns a string field's text.
func (f Field) Text() string {
	if f.Spec.Kind != KindString || len(f.Raw) < 4 {
		return ""
	}
	n := int(be32(f.Raw))
	if n > len(f.Raw)-4 {
		n = len(f.Raw) - 4
	}
	return string(f.Raw[4 : 4+n])
}

// Value returns the field as something JSON can print: numbers in SI units,
// identifiers as "0x…" strings, structured fields as maps.
func (f Field) Value() any {
	b := f.Raw
	switch f.Spec.Kind {
	case KindFlag:
		return true
	case KindHex32:
		return fmt.Sprintf("0x%08x", be32(b))
	case KindGain:
		w := be32(b)
		return map[string]float64{"stage1_db": float64(int16(w>>16)) / 128, "stage2_db": float64(int16(w)) / 128}
	case KindDeviceID:
		return map[string]string{"oui": fmt.Sprintf("0x%06x", be32(b)&0xffffff), "device_code": fmt.Sprintf("0x%04x", be32(b[4:])&0xffff)}
	case KindPayloadFormat:
		return DecodePayloadFormat(b).Map()
	case KindGeo:
		return decodeGeo(b)
	case KindSpectrum:
		return DecodeSpectrumField(b).Map()
	case KindString:
		return f.Text()
	case KindGPSASCII:
		return string(trimNUL(b[8:]))
	case KindRaw, KindAssocLists:
		return fmt.Sprintf("%x", b)
	}
	if v, ok := f.Float(); ok {
		return v
	}
	return fmt.Sprintf("%x", b)
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// decodeGeo decodes the formatted GPS/INS field (VITA-49.0 §7.1.5.19, pyrf's layout).
func decodeGeo(b []byte) map[string]any {
	m := map[string]any{
		"oui":                fmt.Sprintf("0x%06x", be32(b)&0xffffff),
		"seconds":            be32(b[4:]),
		"fractional_seconds": be64(b[8:]),
	}
	names := []struct {
		name  string
		radix float64
	}{{"latitude_deg", 1 << 22}, {"longitude_deg", 1 << 22}, {"altitude_m", 1 << 5}, {"speed_mps", 1 << 16}, {"heading_deg", 1 << 22}, {"track_deg", 1 << 22}, {"magnetic_variation_deg", 1 << 22}}
	for i, n := range names {
		raw := int32(be32(b[16+4*i:]))
		if raw == 0x7fffffff {
			m[n.name] = nil
		} else {
			m[n.name] = float64(raw) / n.radix
		}
	}
	return m
}

// FieldValue is a field to encode: a spec and either a numeric value (in the
// unit of the spec's name) or raw bytes (used as they are when non-nil).
type FieldValue struct {
	Spec  *FieldSpec
	Value float64
	Raw   []byte
}

// F is shorthand for a numeric FieldValue.
func F(s *FieldSpec, v float64) FieldValue { return FieldValue{Spec: s, Value: v} }

// Str makes a string field value (suite extension).
func Str(s *FieldSpec, text string) FieldValue {
	n := len(text)
	raw := make([]byte, 4+(n+3)/4*4)
	binary.BigEndian.PutUint32(raw, uint32(n))
	copy(raw[4:], text)
	return FieldValue{Spec: s, Raw: raw}
}

// appendValue encodes v after dst.
func appendValue(dst []byte, v FieldValue) ([]byte, error) {
	s := v.Spec
	if v.Raw != nil {
		if s.Size >= 0 && len(v.Raw) != s.Size {
			return dst, fmt.Errorf("vrt: field %s wants %d bytes, got %d", s.Name, s.Size, len(v.Raw))
		}
		if s.Size < 0 {
			n, err := fieldSize(s, v.Raw)
			if err != nil || n != len(v.Raw) {
				return dst, fmt.Errorf("vrt: field %s: raw bytes do not match their own length", s.Name)
			}
		}
		return append(dst, v.Raw...), nil
	}
	x := v.Value
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return dst, fmt.Errorf("vrt: field %s: value %v cannot be encoded", s.Name, x)
	}
	switch s.Kind {
	case KindFlag:
		return dst, nil
	case KindU32, KindHex32:
		if x < 0 || x > math.MaxUint32 {
			return dst, fmt.Errorf("vrt: field %s: %v out of range", s.Name, x)
		}
		return binary.BigEndian.AppendUint32(dst, uint32(x)), nil
	case KindR20:
		if math.Abs(x) >= 1<<43 {
			return dst, fmt.Errorf("vrt: field %s: %v out of range", s.Name, x)
		}
		return binary.BigEndian.AppendUint64(dst, uint64(int64(math.Round(x*(1<<20))))), nil
	case KindI64:
		return binary.BigEndian.AppendUint64(dst, uint64(int64(x))), nil
	case KindU64:
		return binary.BigEndian.AppendUint64(dst, uint64(x)), nil
	case KindLevel16R7:
		q := math.Round(x * 128)
		if q < math.MinInt16 || q > math.MaxInt16 {
			return dst, fmt.Errorf("vrt: field %s: %v out of range", s.Name, x)
		}
		return binary.BigEndian.AppendUint32(dst, uint32(uint16(int16(q)))), nil
	case KindGain:
		q := math.Round(x * 128)
		if q < math.MinInt16 || q > math.MaxInt16 {
			return dst, fmt.Errorf("vrt: field %s: %v out of range", s.Name, x)
		}
		return binary.BigEndian.AppendUint32(dst, uint32(uint16(int16(q)))<<16), nil
	case KindTemp16R6:
		q := math.Round(x * 64)
		if q < math.MinInt16 || q > math.MaxInt16 {
			return dst, fmt.Errorf("vrt: field %s: %v out of range", s.Name, x)
		}
		return binary.BigEndian.AppendUint32(dst, uint32(uint16(int16(q)))), nil
	}
	return dst, fmt.Errorf("vrt: field %s: give raw bytes for this kind", s.Name)
}
