package longpoll

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestHubBlockForgetsVanishedClient: under the block policy a named reader
// that stops asking (a wsa-pull killed with -9) holds the input only until
// ClientTimeout; then it is forgotten, and a reader that comes along gets
// everything from where the vanished one's cursor stood to the end, while
// the input goes on to its end. (scripts/e2e/faults.sh does the same with
// the processes.)
func TestHubBlockForgetsVanishedClient(t *testing.T) {
	h := NewHub(HubOptions{BufferBytes: MinBufferBytes, ClientTimeout: 100 * time.Millisecond})
	pkts := stream(400, 11)
	b, _ := read(t, h, StreamQuery{From: Oldest, Client: "gone", Limit: 1})
	if b.Count != 0 {
		t.Fatalf("read %d packets before any input", b.Count)
	}
	done := feed(t, context.Background(), h, pkts, true)
	until(t, "the input to block on the silent reader", func() bool { return h.Status().InputBlocked })
	// "gone" asks once more from 0 (its cursor) and then never again.
	read(t, h, StreamQuery{From: Seq(0), Client: "gone", Limit: 3})
	var got []byte
	var next uint64
	first := true
	deadline := time.Now().Add(60 * time.Second) // a safety bound, not a measurement
	for {
		if time.Now().After(deadline) {
			t.Fatalf("the input is still held after 60 s (at %d of %d packets)", next, len(pkts))
		}
		q := StreamQuery{From: Seq(next), Client: "new", Wait: time.Second}
		if first {
			q.From = Oldest
		}
		b, data := read(t, h, q)
		if first {
			next = b.First
			if b.First > 3 {
				t.Fatalf("the new reader starts at %d: packets after the silent reader's cursor (3) were dropped", b.First)
			}
			first = false
		}
		got = append(got, data...)
		next = b.Next
		if b.EOF {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("the input did not go on to its end: %v", err)
	}
	n, err := countPackets(got)
	if err != nil || n == 0 {
		t.Fatalf("the new reader got %d packets: %v", n, err)
	}
	if want := join(pkts[len(pkts)-n:]); !bytes.Equal(got, want) {
		t.Fatal("the new reader did not get the rest of the stream, whole and in order")
	}
	for _, c := range h.Status().Clients {
		if c.ID == "gone" {
			t.Fatal("the silent reader is still known")
		}
	}
}
