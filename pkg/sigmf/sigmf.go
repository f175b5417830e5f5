// Package sigmf records WSA I/Q captures as SigMF datasets (a .sigmf-data
// file of raw samples and a .sigmf-meta JSON description) and plays them
// back as VRT packets, so recordings can be shared with SigMF tools
// (inspectrum, sigmf-python, GNU Radio) and still feed every wsa-* block.
//
// WSA I14Q14 payloads are big-endian int16 I then Q: exactly SigMF's
// "ci16_be", so samples are written as they arrive, with no conversion.
// Values that SigMF's core namespace has no key for (reference level, RF
// and IF gain, decimation) go into the declared "wsa" extension namespace.
package sigmf

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Version of the SigMF specification the files follow.
const Version = "1.2.0"

// Datatype of WSA I14Q14 samples.
const Datatype = "ci16_be"

// ExtensionName and ExtensionVersion declare the wsa namespace.
const (
	ExtensionName    = "wsa"
	ExtensionVersion = "1.0.0"
)

// Global is the "global" object of a meta file (the keys the suite uses).
type Global struct {
	Datatype    string      `json:"core:datatype"`
	SampleRate  float64     `json:"core:sample_rate,omitempty"`
	Version     string      `json:"core:version"`
	SHA512      string      `json:"core:sha512,omitempty"`
	HW          string      `json:"core:hw,omitempty"`
	Description string      `json:"core:description,omitempty"`
	Author      string      `json:"core:author,omitempty"`
	Recorder    string      `json:"core:recorder,omitempty"`
	NumChannels int         `json:"core:num_channels,omitempty"`
	Extensions  []Extension `json:"core:extensions,omitempty"`
	// WSA extension values that hold for the whole recording.
	Model  string `json:"wsa:model,omitempty"`
	Serial string `json:"wsa:serial,omitempty"`
	SPP    int    `json:"wsa:spp,omitempty"`
	// Source is the capture description's source (MODEL SERIAL HOST) of
	// the stream recorded, when it had one (docs/FORMAT.md §4).
	Source string `json:"wsa:source,omitempty"`
	// The sweep of a recorded sweep capture, from its capture description:
	// the range one stitched pass covers and the centres per pass. Play
	// hands them back in a capture description, so wsa-cal --stitch joins
	// a replayed sweep as it joined the original.
	SweepStartHz float64 `json:"wsa:sweep_start_hz,omitempty"`
	SweepStopHz  float64 `json:"wsa:sweep_stop_hz,omitempty"`
	SweepSteps   int     `json:"wsa:sweep_steps,omitempty"`
}

// Extension declares a namespace used in the file.
type Extension struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Optional bool   `json:"optional"`
}

// Capture is one segment of contiguous samples.
type Capture struct {
	SampleStart uint64  `json:"core:sample_start"`
	GlobalIndex *uint64 `json:"core:global_index,omitempty"`
	Frequency   float64 `json:"core:frequency,omitempty"`
	Datetime    string  `json:"core:datetime,omitempty"`
	// WSA extension: the device state in force for these samples.
	RefLevelDBm *float64 `json:"wsa:reference_level_dbm,omitempty"`
	BandwidthHz float64  `json:"wsa:bandwidth_hz,omitempty"`
	Decimation  int      `json:"wsa:decimation,omitempty"`
	RFGain      string   `json:"wsa:rf_gain,omitempty"`
	IFGainDB    *float64 `json:"wsa:if_gain_db,omitempty"`
	SweepID     *uint32  `json:"wsa:sweep_id,omitempty"`
	Spectral    bool     `json:"wsa:spectral_inversion,omitempty"`
	// RFOffsetHz is the frequency shift (the digitizer's rf_offset) when the
	// stream carried it: a sweep moves its bin grid with it, so wsa-cal
	// --stitch needs it back on replay.
	RFOffsetHz *float64 `json:"wsa:rf_offset_hz,omitempty"`
	// Antenna and Preselect are front-end settings the stream does not
	// carry; the recording program supplies them (Recorder.SetSettings).
	Antenna   int   `json:"wsa:antenna,omitempty"`
	Preselect *bool `json:"wsa:preselect,omitempty"`
}

// Settings are the front-end values a WSA4000 stream does not carry (it
// sends no gain fields), known only to the program that set them: it hands
// them to the Recorder so every capture segment records them. Zero values
// (and nil pointers) mean unknown and are left out of the meta.
type Settings struct {
	RFGain    string   // "high", "medium", "low" or "vlow"
	IFGainDB  *float64 // IF gain in dB
	Antenna   int      // antenna port, 1 or 2
	Preselect *bool    // preselect filter on
}

// Annotation is kept for completeness; the suite writes none.
type Annotation struct {
	SampleStart uint64 `json:"core:sample_start"`
	SampleCount uint64 `json:"core:sample_count,omitempty"`
	Comment     string `json:"core:comment,omitempty"`
}

// Meta is a whole .sigmf-meta document.
type Meta struct {
	Global      Global       `json:"global"`
	Captures    []Capture    `json:"captures"`
	Annotations []Annotation `json:"annotations"`
}

var (
	datatypeRE = regexp.MustCompile(`^(c|r)(f32|f64|i32|i16|u32|u16|i8|u8)(_le|_be)?$`)
	semverRE   = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	sha512RE   = regexp.MustCompile(`^[0-9a-f]{128}$`)
)

// Validate checks a meta document against the SigMF rules the suite relies
// on: required core fields and their formats, declared extension namespaces,
// captures ordered by sample_start, RFC 3339 UTC datetimes, and only known
// namespaces in keys. It returns the first violation found.
func Validate(raw []byte) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("sigmf: meta is not a JSON object: %w", err)
	}
	for _, k := range []string{"global", "captures", "annotations"} {
		if _, ok := doc[k]; !ok {
			return fmt.Errorf("sigmf: meta lacks the required %q object", k)
		}
	}
	var global map[string]any
	if err := json.Unmarshal(doc["global"], &global); err != nil {
		return fmt.Errorf("sigmf: global: %w", err)
	}
	dt, _ := global["core:datatype"].(string)
	if !datatypeRE.MatchString(dt) {
		return fmt.Errorf("sigmf: core:datatype %q is not a SigMF datatype", dt)
	}
	if len(dt) > 3 && dt[1:] != "i8" && dt[1:] != "u8" && !(len(dt) > 4 && (dt[len(dt)-3:] == "_le" || dt[len(dt)-3:] == "_be")) {
		return fmt.Errorf("sigmf: core:datatype %q needs an endianness suffix", dt)
	}
	v, _ := global["core:version"].(string)
	if !semverRE.MatchString(v) {
		return fmt.Errorf("sigmf: core:version %q is not a semantic version", v)
	}
	if sr, ok := global["core:sample_rate"]; ok {
		if f, ok := sr.(float64); !ok || f <= 0 {
			return fmt.Errorf("sigmf: core:sample_rate %v must be a positive number", sr)
		}
	}
	if h, ok := global["core:sha512"]; ok {
		if s, _ := h.(string); !sha512RE.MatchString(s) {
			return fmt.Errorf("sigmf: core:sha512 is not 128 lowercase hex digits")
		}
	}
	declared := map[string]bool{"core": true}
	if exts, ok := global["core:extensions"]; ok {
		list, ok := exts.([]any)
		if !ok {
			return fmt.Errorf("sigmf: core:extensions must be an array")
		}
		for i, e := range list {
			m, _ := e.(map[string]any)
			name, _ := m["name"].(string)
			ver, _ := m["version"].(string)
			_, hasOpt := m["optional"].(bool)
			if name == "" || !semverRE.MatchString(ver) || !hasOpt {
				return fmt.Errorf("sigmf: core:extensions[%d] needs name, semantic version and optional", i)
			}
			declared[name] = true
		}
	}
	if err := checkKeys("global", global, declared); err != nil {
		return err
	}
	var captures []map[string]any
	if err := json.Unmarshal(doc["captures"], &captures); err != nil {
		return fmt.Errorf("sigmf: captures must be an array of objects: %w", err)
	}
	last := -1.0
	for i, c := range captures {
		ss, ok := c["core:sample_start"].(float64)
		if !ok || ss < 0 || ss != float64(uint64(ss)) {
			return fmt.Errorf("sigmf: captures[%d] needs a non-negative integer core:sample_start", i)
		}
		if ss <= last {
			return fmt.Errorf("sigmf: captures[%d] sample_start %v is not after the previous %v", i, ss, last)
		}
		last = ss
		if d, ok := c["core:datetime"]; ok {
			s, _ := d.(string)
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || s[len(s)-1] != 'Z' {
				return fmt.Errorf("sigmf: captures[%d] core:datetime %q is not RFC 3339 UTC ending in Z", i, s)
			}
			_ = t
		}
		if err := checkKeys(fmt.Sprintf("captures[%d]", i), c, declared); err != nil {
			return err
		}
	}
	var ann []map[string]any
	if err := json.Unmarshal(doc["annotations"], &ann); err != nil {
		return fmt.Errorf("sigmf: annotations must be an array of objects: %w", err)
	}
	prev := -1.0
	for i, a := range ann {
		ss, ok := a["core:sample_start"].(float64)
		if !ok || ss < prev {
			return fmt.Errorf("sigmf: annotations[%d] needs core:sample_start in order", i)
		}
		prev = ss
	}
	return nil
}

func checkKeys(where string, m map[string]any, declared map[string]bool) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ns := ""
		for i := 0; i < len(k); i++ {
			if k[i] == ':' {
				ns = k[:i]
				break
			}
		}
		if ns == "" {
			return fmt.Errorf("sigmf: %s key %q has no namespace", where, k)
		}
		if !declared[ns] {
			return fmt.Errorf("sigmf: %s key %q uses the undeclared namespace %q", where, k, ns)
		}
	}
	return nil
}
