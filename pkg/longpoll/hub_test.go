package longpoll

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

// read takes one batch and returns its bytes.
func read(t *testing.T, h *Hub, q StreamQuery) (*Batch, []byte) {
	t.Helper()
	if q.MaxBytes == 0 {
		q.MaxBytes = DefaultMaxBytes
	}
	b, err := h.Read(context.Background(), q, "test")
	if err != nil {
		t.Fatalf("Read(%+v): %v", q, err)
	}
	data := b.AppendTo(nil)
	b.Release(true)
	return b, data
}

func TestHubReadCursors(t *testing.T) {
	h := NewHub(HubOptions{})
	ctx := context.Background()
	pkts := stream(10, 1)
	ctxPkt, _ := vrt.AppendContext(nil, vrt.ContextHeader{Type: vrt.TypeContext, StreamID: vrt.StreamDigitizer}, vrt.F(vrt.FieldRefLevel, -20))
	pkts = append(pkts, ctxPkt)
	for _, p := range pkts {
		if err := h.Append(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name        string
		q           StreamQuery
		first, next uint64
		types       []vrt.PacketType
	}{
		{"oldest", StreamQuery{From: Oldest}, 0, 11, []vrt.PacketType{vrt.TypeSignal, vrt.TypeContext}},
		{"seq", StreamQuery{From: Seq(4)}, 4, 11, nil},
		{"limit", StreamQuery{From: Seq(2), Limit: 3}, 2, 5, []vrt.PacketType{vrt.TypeSignal}},
		{"max bytes", StreamQuery{From: Seq(0), MaxBytes: len(pkts[0]) + len(pkts[1])}, 0, 2, nil},
		{"one packet over max", StreamQuery{From: Seq(0), MaxBytes: 1}, 0, 1, nil},
		{"latest, no wait", StreamQuery{From: Latest}, 11, 11, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, data := read(t, h, tt.q)
			if b.First != tt.first || b.Next != tt.next || b.Count != int(tt.next-tt.first) || b.End != 11 || b.Oldest != 0 {
				t.Fatalf("batch %d..%d count %d (buffer %d..%d), want %d..%d", b.First, b.Next, b.Count, b.Oldest, b.End, tt.first, tt.next)
			}
			if want := join(pkts[tt.first:tt.next]); !bytes.Equal(data, want) {
				t.Fatalf("bytes differ")
			}
			if tt.types != nil && !reflect.DeepEqual(b.Types, tt.types) {
				t.Errorf("types %v, want %v", b.Types, tt.types)
			}
		})
	}
	b, _ := read(t, h, StreamQuery{From: Oldest})
	if want := []uint32{vrt.StreamI14Q14, vrt.StreamDigitizer}; !reflect.DeepEqual(b.StreamIDs, want) {
		t.Errorf("stream IDs %x, want %x", b.StreamIDs, want)
	}
	var ce *CursorError
	if _, err := h.Read(ctx, StreamQuery{From: Seq(12)}, ""); !errors.As(err, &ce) || ce.Reason != "ahead" {
		t.Errorf("cursor beyond the end: %v", err)
	}
	if _, err := h.Read(ctx, StreamQuery{From: Seq(0), Instance: "0123"}, ""); !errors.As(err, &ce) || ce.Reason != "instance" {
		t.Errorf("foreign instance: %v", err)
	}
	if err := h.Append(ctx, []byte{1, 2, 3, 4, 5}); err == nil {
		t.Error("Append took bytes that are not one packet")
	}
}

func TestHubWaitWakesOnInput(t *testing.T) {
	h := NewHub(HubOptions{})
	got := make(chan *Batch)
	go func() {
		b, err := h.Read(context.Background(), StreamQuery{From: Latest, Wait: MaxWait, MaxBytes: 1 << 20}, "")
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	until(t, "the reader to wait", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.wake != nil
	})
	p := packet(7, 100)
	if err := h.Append(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	b := <-got
	if b.Count != 1 || !bytes.Equal(b.AppendTo(nil), p) {
		t.Fatalf("woken reader got %d packets", b.Count)
	}
	b.Release(true)
}

func TestHubEOF(t *testing.T) {
	h := NewHub(HubOptions{})
	ctx := context.Background()
	h.Append(ctx, packet(0, 0))
	h.Append(ctx, packet(1, 0))
	h.CloseInput(nil)
	if err := h.Append(ctx, packet(2, 0)); !errors.Is(err, ErrInputClosed) {
		t.Errorf("Append after the end: %v", err)
	}
	if h.Drained() {
		t.Error("drained before any client read")
	}
	b, _ := read(t, h, StreamQuery{From: Seq(0), Limit: 1, Client: "c"})
	if b.EOF {
		t.Error("EOF with a packet still to read")
	}
	b, _ = read(t, h, StreamQuery{From: Seq(1), Client: "c"})
	if !b.EOF || b.Count != 1 {
		t.Errorf("last batch: EOF %v count %d", b.EOF, b.Count)
	}
	if !h.Drained() {
		t.Error("not drained after the client read the end")
	}
	// A waiting read at the end returns at once.
	b, _ = read(t, h, StreamQuery{From: Seq(2), Wait: MaxWait})
	if !b.EOF || b.Count != 0 {
		t.Errorf("read at the end: EOF %v count %d", b.EOF, b.Count)
	}
}

// TestHubDropSlowClient: under Drop the input never waits, and a client
// that fell behind is told exactly how many packets it lost.
func TestHubDropSlowClient(t *testing.T) {
	h := NewHub(HubOptions{BufferBytes: MinBufferBytes, Policy: Drop})
	ctx := context.Background()
	read(t, h, StreamQuery{From: Oldest, Client: "slow"}) // registers at 0
	pkts := stream(2000, 2)
	for _, p := range pkts {
		if err := h.Append(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	st := h.Status()
	if st.InputBlocked || st.Blocks != 0 {
		t.Fatal("drop policy blocked the input")
	}
	if st.HeldBytes+int64(st.HeldPackets)*PacketOverhead > MinBufferBytes && st.HeldPackets > 1 {
		t.Fatalf("buffer holds %d bytes, over its %d", st.HeldBytes, MinBufferBytes)
	}
	_, err := h.Read(ctx, StreamQuery{From: Seq(0), Client: "slow", MaxBytes: 1}, "")
	var ce *CursorError
	if !errors.As(err, &ce) || ce.Reason != "expired" || ce.Oldest != st.OldestSeq || ce.Oldest == 0 {
		t.Fatalf("slow client: %v (oldest %d)", err, st.OldestSeq)
	}
	if st.Dropped != ce.Oldest {
		t.Errorf("dropped %d, client lost %d", st.Dropped, ce.Oldest)
	}
	// Reading on from the oldest held gives the rest, intact.
	var got []byte
	for next := ce.Oldest; ; {
		b, data := read(t, h, StreamQuery{From: Seq(next), Client: "slow"})
		got = append(got, data...)
		next = b.Next
		if b.Count == 0 || next == uint64(len(pkts)) {
			break
		}
	}
	if !bytes.Equal(got, join(pkts[ce.Oldest:])) {
		t.Fatal("packets after the gap differ")
	}
}

// TestHubBlockSlowClient: under Block the input waits for the slowest
// client, the buffer never exceeds its size, and nothing is lost.
func TestHubBlockSlowClient(t *testing.T) {
	h := NewHub(HubOptions{BufferBytes: MinBufferBytes})
	ctx := context.Background()
	read(t, h, StreamQuery{From: Oldest, Client: "slow"})
	pkts := stream(600, 3)
	done := feed(t, ctx, h, pkts, true)
	until(t, "the input to block", func() bool { return h.Status().InputBlocked })
	var got []byte
	var next uint64
	for {
		st := h.Status()
		if st.HeldPackets > 1 && st.HeldBytes+int64(st.HeldPackets)*PacketOverhead > MinBufferBytes {
			t.Fatalf("buffer holds %d bytes in %d packets, over its %d", st.HeldBytes, st.HeldPackets, MinBufferBytes)
		}
		b, data := read(t, h, StreamQuery{From: Seq(next), Client: "slow", Limit: 7, Wait: MaxWait})
		got = append(got, data...)
		next = b.Next
		if b.EOF {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, join(pkts)) {
		t.Fatal("slow client under block lost or changed packets")
	}
	st := h.Status()
	if st.Blocks == 0 || st.Dropped != 0 || st.Evicted == 0 {
		t.Errorf("blocks %d dropped %d evicted %d", st.Blocks, st.Dropped, st.Evicted)
	}
}

// TestHubBlockWaitsForFirstClient: with no client yet, a full buffer holds
// the input rather than discard what nobody has read.
func TestHubBlockWaitsForFirstClient(t *testing.T) {
	h := NewHub(HubOptions{BufferBytes: MinBufferBytes})
	ctx, cancel := context.WithCancel(context.Background())
	done := feed(t, ctx, h, stream(300, 4), false)
	until(t, "the input to block", func() bool { return h.Status().InputBlocked })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("blocked Append after cancel: %v", err)
	}
	if st := h.Status(); st.OldestSeq != 0 || st.Evicted != 0 {
		t.Fatalf("packets evicted with no client: %+v", st)
	}
}

// TestHubLeave: a client that leaves stops holding the buffer.
func TestHubLeave(t *testing.T) {
	h := NewHub(HubOptions{BufferBytes: MinBufferBytes})
	ctx := context.Background()
	read(t, h, StreamQuery{From: Oldest, Client: "a"})
	read(t, h, StreamQuery{From: Latest, Client: "b"})
	done := feed(t, ctx, h, stream(300, 5), true)
	until(t, "the input to block", func() bool { return h.Status().InputBlocked })
	h.Leave("a")
	// b is at the end of what it has been sent... it must read on too.
	for next := uint64(0); ; {
		b, _ := read(t, h, StreamQuery{From: Seq(next), Client: "b", Wait: MaxWait})
		next = b.Next
		if b.EOF {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !h.Drained() {
		t.Error("not drained once the only remaining client read everything")
	}
}

// TestHubChunkReuse: packets written out of recycled chunks stay intact
// while a batch that still uses a chunk holds it.
func TestHubChunkReuse(t *testing.T) {
	h := NewHub(HubOptions{BufferBytes: MinBufferBytes, Policy: Drop})
	ctx := context.Background()
	pkts := stream(50, 6)
	for _, p := range pkts {
		h.Append(ctx, p)
	}
	b, err := h.Read(ctx, StreamQuery{From: Oldest, MaxBytes: 1 << 20}, "")
	if err != nil {
		t.Fatal(err)
	}
	first := b.First
	for _, p := range stream(3000, 7) { // churn through many chunks
		h.Append(ctx, p)
	}
	if got := b.AppendTo(nil); !bytes.Equal(got, join(pkts[first:first+uint64(b.Count)])) {
		t.Fatal("a held batch was overwritten by recycled chunks")
	}
	b.Release(true)
}

// TestHubDrainedWhen: after the input ends, the stream is over once every
// client that came has read to the end or left (the reader behind `| head`),
// and not while one is still reading; nobody having come is not the end.
func TestHubDrainedWhen(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		clients func(h *Hub)
		want    bool
	}{
		{"no client yet", func(h *Hub) {}, false},
		{"only reader left early", func(h *Hub) {
			read(t, h, StreamQuery{From: Oldest, Client: "a", Limit: 1})
			h.Leave("a")
		}, true},
		{"one left, one still reading", func(h *Hub) {
			read(t, h, StreamQuery{From: Oldest, Client: "a", Limit: 1})
			read(t, h, StreamQuery{From: Oldest, Client: "b", Limit: 1})
			h.Leave("a")
		}, false},
		{"anonymous reads do not count", func(h *Hub) {
			read(t, h, StreamQuery{From: Oldest, MaxBytes: 1 << 20})
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHub(HubOptions{BufferBytes: MinBufferBytes, Policy: Drop})
			if err := <-feed(t, ctx, h, stream(20, 1), true); err != nil {
				t.Fatal(err)
			}
			tc.clients(h)
			if got := h.Drained(); got != tc.want {
				t.Errorf("Drained() = %v, want %v", got, tc.want)
			}
		})
	}
}
