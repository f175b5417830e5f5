//go:build unix

package main

import (
	"context"
	"encoding/binary"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/wsatools/wsa/internal/cli/clitest"
	"github.com/wsatools/wsa/pkg/longpoll"
	"github.com/wsatools/wsa/pkg/vrt"
)

func TestHelperProcess(t *testing.T) { clitest.Helper(t, main) }

// server serves n data packets of about 4 KiB whose input has ended.
func server(t *testing.T, n int) (url string, stream []byte) {
	t.Helper()
	hub := longpoll.NewHub(longpoll.HubOptions{})
	for i := range n {
		pay := make([]byte, 4000+4*i)
		binary.BigEndian.PutUint64(pay, uint64(i))
		p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Count: uint8(i)}, StreamID: vrt.StreamI14Q14, Payload: pay}
		b, err := p.AppendTo(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := hub.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		stream = append(stream, b...)
	}
	hub.CloseInput(nil)
	srv := httptest.NewServer(longpoll.NewHandler(hub, longpoll.ServerOptions{}))
	t.Cleanup(srv.Close)
	return srv.URL, stream
}

// TestDiskFullKeepsWholePackets: stdout redirected to a file that cannot
// grow past a limit (a full disk behaves the same): wsa-pull exits 1 with
// one line and the file holds exactly the whole packets that fitted.
// (Before the fix it ended with the first part of a packet.)
func TestDiskFullKeepsWholePackets(t *testing.T) {
	url, want := server(t, 40)
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.vrt")
	if r := clitest.Run(t, 0, "", ref, "-q", "--max-bytes", "64k", url); r.Code != 0 {
		t.Fatalf("unlimited run: exit %d: %s", r.Code, r.Stderr)
	}
	if got, _ := os.ReadFile(ref); string(got) != string(want) {
		t.Fatalf("unlimited run wrote %d bytes, want the %d served", len(got), len(want))
	}
	url, _ = server(t, 40) // the first server ended when its reader had everything
	limit := int64(len(want)/2 + 1000)
	out := filepath.Join(dir, "out.vrt")
	r := clitest.Run(t, limit, "", out, "-q", "--max-bytes", "64k", url)
	got, _ := os.ReadFile(out)
	clitest.CheckDiskFull(t, "wsa-pull > file", r, got, want, limit)
}
