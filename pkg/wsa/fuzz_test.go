package wsa

import (
	"strings"
	"testing"
)

// FuzzParseDiscoveryResponse: any datagram either parses into printable
// fields or is refused; responses we encode parse back to what was encoded.
func FuzzParseDiscoveryResponse(f *testing.F) {
	f.Add(EncodeDiscoveryResponse(1, "", "SIM-000001", ""))
	f.Add(EncodeDiscoveryResponse(2, "WSA5000-220 v2", "171212-007", "1.5.0"))
	f.Add([]byte{0x93, 0x31, 0x55, 0x55, 0, 0, 0, 2, 0x1b, '[', '2', 'J'})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDiscoveryResponse(b)
		if err != nil {
			return
		}
		for _, s := range []string{d.Model, d.Serial, d.Firmware} {
			if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
				t.Fatalf("field %q carries unprintable characters", s)
			}
		}
		if d.Version != 1 {
			again, err := ParseDiscoveryResponse(EncodeDiscoveryResponse(d.Version, d.Model, d.Serial, d.Firmware))
			if err != nil || again != d {
				t.Fatalf("re-encoded response parses to %+v (%v), want %+v", again, err, d)
			}
		}
	})
}

// FuzzParseErrorReply: a :SYSTEM:ERROR? reply is a number (0: no error) or
// refused; it never panics and never yields an error with code 0.
func FuzzParseErrorReply(f *testing.F) {
	f.Add(`0,"No error"`)
	f.Add(`-222,"Data out of range"`)
	f.Add(`garbage`)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseErrorReply(s)
		if err == nil && e != nil && e.Code == 0 {
			t.Fatalf("%q gave an error with code 0", s)
		}
	})
}
