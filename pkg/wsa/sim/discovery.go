package sim

import (
	"github.com/wsatools/wsa/pkg/wsa"
)

// serveDiscovery answers UDP discovery queries (device-facts.md §8) with
// a response of the configured version.
func (s *Sim) serveDiscovery() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	id := s.cfg.Identity
	resp := wsa.EncodeDiscoveryResponse(s.cfg.DiscoveryVersion, id.Model, id.Serial, id.Firmware)
	for {
		n, from, err := s.udp.ReadFrom(buf)
		if err != nil {
			return
		}
		if !wsa.IsDiscoveryQuery(buf[:n]) {
			continue
		}
		s.logf("discovery: query from %s", from)
		s.udp.WriteTo(resp, from)
	}
}
