package longpoll_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/wsatools/wsa/pkg/longpoll"
	"github.com/wsatools/wsa/pkg/vrt"
)

// spectra returns n suite spectrum packet triples from source name.
func spectra(name string, n int) []byte {
	var enc vrt.SpectrumEncoder
	var b []byte
	for i := 0; i < n; i++ {
		b, _ = enc.Append(b, &vrt.Spectrum{CenterHz: 2.4e9, StartHz: 2.39e9, StepHz: 1e4, Source: name, Bins: make([]float32, 64)})
	}
	return b
}

// Serve a packet stream in-process and pull it back over HTTP.
func ExamplePull() {
	ctx := context.Background()
	hub := longpoll.NewHub(longpoll.HubOptions{Policy: longpoll.Block})
	hub.ReadFrom(ctx, bytes.NewReader(spectra("demo", 10))) // 30 packets, then the end of input
	srv := httptest.NewServer(longpoll.NewHandler(hub, longpoll.ServerOptions{}))
	defer srv.Close()

	var out bytes.Buffer
	sum, err := longpoll.Pull(ctx, &out, []string{srv.URL}, longpoll.PullOptions{})
	fmt.Println(sum.Packets, "packets,", sum.Gaps(), "gaps, error:", err)
	// Output: 30 packets, 0 gaps, error: <nil>
}

// Read from a cursor the way an HTTP client does, in-process.
func ExampleHub_Read() {
	ctx := context.Background()
	hub := longpoll.NewHub(longpoll.HubOptions{Policy: longpoll.Drop, BufferBytes: longpoll.MinBufferBytes})
	hub.ReadFrom(ctx, bytes.NewReader(spectra("demo", 200))) // more than the buffer holds

	_, err := hub.Read(ctx, longpoll.StreamQuery{From: longpoll.Seq(0)}, "")
	var ce *longpoll.CursorError
	if errors.As(err, &ce) {
		fmt.Printf("cursor 0 %s: %d packets lost, reading on from %d\n", ce.Reason, ce.Oldest, ce.Oldest)
	}
	b, _ := hub.Read(ctx, longpoll.StreamQuery{From: longpoll.Seq(ce.Oldest), Limit: 3, MaxBytes: 1 << 20}, "")
	defer b.Release(true)
	fmt.Println(b.Count, "packets:", b.Types, "next", b.Next-ce.Oldest, "after the oldest")
	// Output:
	// cursor 0 expired: 234 packets lost, reading on from 234
	// 3 packets: [data context extcontext] next 3 after the oldest
}

// Spectrum streams merged from several servers are told apart by stream ID.
func ExampleTagStreamID() {
	for k := 1; k <= 2; k++ {
		id, _ := longpoll.TagStreamID(vrt.DefaultSpectrumStream, k)
		fmt.Printf("source %d: 0x%08x\n", k, id)
	}
	// Output:
	// source 1: 0x57530103
	// source 2: 0x57530203
}

// Parse the query of a GET /stream request as the server does.
func ExampleParseStreamQuery() {
	q, err := longpoll.ParseStreamQuery("from=1200&wait=10s&client=plotter", longpoll.Limits{})
	fmt.Println(q.From, q.Wait, q.Client, err)
	_, err = longpoll.ParseStreamQuery("wait=2m", longpoll.Limits{})
	fmt.Println(err)
	// Output:
	// 1200 10s plotter <nil>
	// wait: 2m0s is longer than the 30s limit
}
