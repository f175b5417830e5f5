package replay_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/wsatools/wsa/pkg/replay"
	"github.com/wsatools/wsa/pkg/vrt"
)

// Play a recorded capture twice into a packet writer, as wsa-capture
// --replay FILE --loop 2 does.
func ExamplePlay() {
	// A one-packet recording, for the example.
	p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime},
		StreamID: vrt.StreamI14Q14, Timestamp: vrt.Timestamp{Int: 1700000000}, Payload: vrt.AppendIQ16(nil, make([]int16, 256), make([]int16, 256)),
		Trailer: vrt.ThinkRFTrailer}
	b, _ := p.AppendTo(nil)
	name := filepath.Join(os.TempDir(), "example-replay.vrt")
	os.WriteFile(name, b, 0o644)
	defer os.Remove(name)

	src, err := replay.Open(name)
	if err != nil {
		log.Fatal(err)
	}
	w := vrt.NewWriter(io.Discard, vrt.WriterOptions{}) // os.Stdout in a tool
	st, err := replay.Play(context.Background(), src, w.WritePacket, replay.Options{Passes: 2})
	if err != nil {
		log.Fatal(err)
	}
	w.Flush()
	fmt.Println(st.Packets, "packets in", st.Passes, "passes")
	// Output: 2 packets in 2 passes
}
