package wsa

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DiscoveryPort is the UDP port WSA devices answer discovery queries on.
const DiscoveryPort = 18331

// Discovery query: u32 code, u32 version, big-endian (device-facts.md §8).
const (
	discoveryCode    = 0x93315555
	discoveryVersion = 2
)

// DiscoveryQuery returns the 8-byte query datagram.
func DiscoveryQuery() []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, discoveryCode)
	binary.BigEndian.PutUint32(b[4:], discoveryVersion)
	return b
}

// IsDiscoveryQuery reports whether b is a discovery query.
func IsDiscoveryQuery(b []byte) bool {
	return len(b) >= 8 && binary.BigEndian.Uint32(b) == discoveryCode
}

// Device is one device that answered discovery.
type Device struct {
	Model    string
	Serial   string
	Firmware string // "" for version-1 (WSA4000) responses, which carry none
	Host     string // sender IP address
	Version  uint32 // response version
}

func (d Device) String() string {
	fw := d.Firmware
	if fw == "" {
		fw = "-"
	}
	return fmt.Sprintf("%s %s %s %s", d.Model, d.Serial, fw, d.Host)
}

// EncodeDiscoveryResponse builds a response datagram. Version 1 is the
// WSA4000 form (serial as NUL-terminated text after the 8-byte header,
// model implied); any other version carries three NUL-padded fields:
// model (16 bytes), serial (16), firmware (20). The first word echoes the
// query code (pyrf ignores it, device-facts.md §12.13).
func EncodeDiscoveryResponse(version uint32, model, serial, firmware string) []byte {
	b := make([]byte, 8, 60)
	binary.BigEndian.PutUint32(b, discoveryCode)
	binary.BigEndian.PutUint32(b[4:], version)
	if version == 1 {
		b = append(b, serial...)
		return append(b, 0)
	}
	for _, f := range []struct {
		s string
		n int
	}{{model, 16}, {serial, 16}, {firmware, 20}} {
		field := make([]byte, f.n)
		copy(field, f.s)
		b = append(b, field...)
	}
	return b
}

// ParseDiscoveryResponse decodes a response datagram of either version.
func ParseDiscoveryResponse(b []byte) (Device, error) {
	if len(b) < 8 {
		return Device{}, fmt.Errorf("discovery response of %d bytes: too short", len(b))
	}
	d := Device{Version: binary.BigEndian.Uint32(b[4:])}
	rest := b[8:]
	// Text up to the first NUL, printable ASCII only: the fields come from
	// whoever answers a broadcast and end up on terminals and in scripts.
	cstr := func(x []byte) string {
		if i := bytes.IndexByte(x, 0); i >= 0 {
			x = x[:i]
		}
		return strings.Map(func(r rune) rune {
			if r <= ' ' || r > '~' {
				return '?'
			}
			return r
		}, string(x))
	}
	if d.Version == 1 {
		d.Model, d.Serial = "WSA4000", cstr(rest)
		return d, nil
	}
	if len(rest) < 52 {
		return Device{}, fmt.Errorf("discovery response version %d of %d bytes: want 60", d.Version, len(b))
	}
	d.Model, d.Serial, d.Firmware = cstr(rest[:16]), cstr(rest[16:32]), cstr(rest[32:52])
	return d, nil
}

// DiscoverOptions tune Discover.
type DiscoverOptions struct {
	// Targets are the addresses queried ("host" or "host:port"); empty
	// means the limited broadcast address and every interface's broadcast
	// address, on DiscoveryPort.
	Targets []string
	// Quiet ends the search once no response has arrived for this long
	// (pyrf waits 0.125 s); default 250 ms.
	Quiet time.Duration
}

// Discover broadcasts a discovery query and collects the answers until
// none arrives for opt.Quiet or ctx ends. Devices are returned sorted by
// host, each once.
func Discover(ctx context.Context, opt DiscoverOptions) ([]Device, error) {
	if opt.Quiet <= 0 {
		opt.Quiet = 250 * time.Millisecond
	}
	targets := opt.Targets
	if len(targets) == 0 {
		targets = broadcastTargets()
	}
	pc, err := net.ListenPacket("udp4", ":0")
	if err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	defer pc.Close()
	if uc, ok := pc.(*net.UDPConn); ok {
		setBroadcast(uc)
	}
	stop := context.AfterFunc(ctx, func() { pc.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	q := DiscoveryQuery()
	sent := 0
	var lastErr error
	for _, t := range targets {
		if _, _, err := net.SplitHostPort(t); err != nil {
			t = net.JoinHostPort(t, strconv.Itoa(DiscoveryPort))
		}
		ua, err := net.ResolveUDPAddr("udp4", t)
		if err != nil {
			lastErr = err
			continue
		}
		if _, err := pc.WriteTo(q, ua); err != nil {
			lastErr = err
			continue
		}
		sent++
	}
	if sent == 0 {
		return nil, fmt.Errorf("discover: no query could be sent: %w", lastErr)
	}
	seen := map[string]Device{}
	buf := make([]byte, 1500)
	for {
		pc.SetReadDeadline(time.Now().Add(opt.Quiet))
		if ctx.Err() != nil {
			break
		}
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			return nil, fmt.Errorf("discover: %w", err)
		}
		d, err := ParseDiscoveryResponse(buf[:n])
		if err != nil {
			continue // not a WSA answer
		}
		if ua, ok := from.(*net.UDPAddr); ok {
			d.Host = ua.IP.String()
		}
		seen[d.Host+"/"+d.Serial] = d
	}
	out := make([]Device, 0, len(seen))
	for _, d := range seen {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Host != out[j].Host {
			return out[i].Host < out[j].Host
		}
		return out[i].Serial < out[j].Serial
	})
	if err := ctx.Err(); err != nil && len(out) == 0 {
		return nil, fmt.Errorf("discover: %w", err)
	}
	return out, nil
}

func broadcastTargets() []string {
	t := []string{"255.255.255.255"}
	ifs, _ := net.Interfaces()
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagBroadcast == 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.To4() == nil {
				continue
			}
			ip := ipn.IP.To4()
			mask := net.IP(ipn.Mask).To4()
			if mask == nil {
				continue
			}
			bc := make(net.IP, 4)
			for i := range bc {
				bc[i] = ip[i] | ^mask[i]
			}
			t = append(t, bc.String())
		}
	}
	return t
}
