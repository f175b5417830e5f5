package vrt

import "fmt"

// The capture description is an extension context packet that wsa-capture
// writes into its output (before the first packet, and before every pass of
// a sweep) so that later stages know what a raw device stream cannot say:
// which device made it, and what sweep was asked for. Devices never send
// it; every stage passes it through like any context it does not use.
const (
	ClassCaptureInfo  uint16 = 0x0004
	StreamCaptureInfo        = StreamSpectrumBase | 0x0001
)

// CaptureInfo is the content of a capture description packet.
type CaptureInfo struct {
	StreamID  uint32 // 0: StreamCaptureInfo
	Timestamp Timestamp
	HasTime   bool
	Source    string // e.g. "WSA4000 SIM-000001 127.0.0.1"
	// A sweep: SweepID as the device will report it, the requested range
	// (edges of the stitched result) and the number of centre frequencies
	// per pass.
	HasSweep     bool
	SweepID      uint32
	SweepStartHz float64
	SweepStopHz  float64
	SweepSteps   uint32
}

// IsCaptureInfo reports whether p is a capture description packet.
func IsCaptureInfo(p *Packet) bool {
	return p.Type == TypeExtContext && p.ClassID && p.Class.OUI == WSAOUI && p.Class.PacketClass == ClassCaptureInfo
}

// AppendCaptureInfo encodes ci after dst with the given packet count.
func AppendCaptureInfo(dst []byte, ci *CaptureInfo, count uint8) ([]byte, error) {
	stream := ci.StreamID
	if stream == 0 {
		stream = StreamCaptureInfo
	}
	var fields []FieldValue
	if ci.Source != "" {
		fields = append(fields, Str(FieldSource, ci.Source))
	}
	if ci.HasSweep {
		fields = append(fields, F(FieldWSASweep, float64(ci.SweepID)), F(FieldSweepStart, ci.SweepStartHz),
			F(FieldSweepStop, ci.SweepStopHz), F(FieldSweepSteps, float64(ci.SweepSteps)))
	}
	if len(fields) == 0 {
		return dst, fmt.Errorf("vrt: capture info has neither a source nor a sweep")
	}
	tsi, tsf := TSINone, TSFNone
	if ci.HasTime {
		tsi, tsf = TSIUTC, TSFRealTime
	}
	class := ClassID{OUI: WSAOUI, InfoClass: InfoClassWSA, PacketClass: ClassCaptureInfo}
	return AppendContext(dst, ContextHeader{Type: TypeExtContext, StreamID: stream, Class: &class, Count: count,
		TSI: tsi, TSF: tsf, Timestamp: ci.Timestamp}, fields...)
}

// DecodeCaptureInfo reads a capture description packet.
func DecodeCaptureInfo(p *Packet) (CaptureInfo, error) {
	if !IsCaptureInfo(p) {
		return CaptureInfo{}, fmt.Errorf("vrt: not a capture description packet")
	}
	var c Context
	if err := c.Decode(p); err != nil {
		return CaptureInfo{}, fmt.Errorf("capture description: %w", err)
	}
	ci := CaptureInfo{StreamID: p.StreamID, Timestamp: p.Timestamp, HasTime: p.TSI != TSINone}
	for _, f := range c.Fields {
		v, _ := f.Float()
		switch f.Spec {
		case FieldSource:
			ci.Source = f.Text()
		case FieldWSASweep:
			ci.SweepID, ci.HasSweep = f.Uint(), true
		case FieldSweepStart:
			ci.SweepStartHz = v
		case FieldSweepStop:
			ci.SweepStopHz = v
		case FieldSweepSteps:
			ci.SweepSteps = f.Uint()
		}
	}
	return ci, nil
}
