package sigmf_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/wsatools/wsa/pkg/sigmf"
	"github.com/wsatools/wsa/pkg/vrt"
)

// Record one block of I14Q14 packets as SigMF, then check the result.
func ExampleCreate() {
	dir, _ := os.MkdirTemp("", "sigmf")
	defer os.RemoveAll(dir)
	base := filepath.Join(dir, "block")

	rec, _ := sigmf.Create(base, sigmf.Global{HW: "ThinkRF WSA4000", Description: "example"})
	var pkt vrt.Packet
	ctx, _ := vrt.AppendContext(nil, vrt.ContextHeader{Type: vrt.TypeContext, StreamID: vrt.StreamReceiver, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime,
		Timestamp: vrt.Timestamp{Int: 1764000000}}, vrt.F(vrt.FieldRFFreq, 2.412e9))
	pkt.Decode(ctx)
	rec.WritePacket(&pkt)
	data := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime},
		StreamID: vrt.StreamI14Q14, Timestamp: vrt.Timestamp{Int: 1764000000}, Payload: vrt.AppendIQ16(nil, make([]int16, 512), make([]int16, 512)),
		Trailer: vrt.ThinkRFTrailer}
	b, _ := data.AppendTo(nil)
	pkt.Decode(b)
	rec.WritePacket(&pkt)
	rec.Close()

	ds, err := sigmf.Open(base)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := ds.Meta.Captures[0]
	fmt.Println(ds.Meta.Global.Datatype, c.Frequency, c.Datetime, ds.Verify() == nil)
	// Output: ci16_be 2.412e+09 2025-11-24T16:00:00.000000000Z true
}
