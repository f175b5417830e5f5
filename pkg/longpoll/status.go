package longpoll

import (
	"sort"
	"time"
)

// Status is a snapshot of a Hub, served as JSON on /status.
type Status struct {
	Instance       string         `json:"instance"`
	Policy         string         `json:"policy"`
	OldestSeq      uint64         `json:"oldest_seq"`
	EndSeq         uint64         `json:"end_seq"` // sequence the next input packet gets
	HeldPackets    int            `json:"held_packets"`
	HeldBytes      int64          `json:"held_bytes"` // packet bytes, without bookkeeping
	BufferBytes    int64          `json:"buffer_bytes"`
	InputPackets   uint64         `json:"input_packets"`
	InputBytes     uint64         `json:"input_bytes"`
	RatePackets    float64        `json:"input_packets_per_second"`
	RateBytes      float64        `json:"input_bytes_per_second"`
	Evicted        uint64         `json:"evicted_packets"`
	Dropped        uint64         `json:"dropped_packets"` // evicted before a known client read them
	InputBlocked   bool           `json:"input_blocked"`
	Blocks         uint64         `json:"input_blocks"`
	BlockedSeconds float64        `json:"input_blocked_seconds"`
	EOF            bool           `json:"eof"`
	InputError     string         `json:"input_error,omitempty"`
	Closing        bool           `json:"closing"`
	Drained        bool           `json:"drained"`
	SentPackets    uint64         `json:"sent_packets"`
	SentBytes      uint64         `json:"sent_bytes"`
	UptimeSeconds  float64        `json:"uptime_seconds"`
	Clients        []ClientStatus `json:"clients"`
}

// ClientStatus describes one named client.
type ClientStatus struct {
	ID          string  `json:"id"`
	Remote      string  `json:"remote,omitempty"`
	Cursor      uint64  `json:"cursor"`
	LagPackets  uint64  `json:"lag_packets"`
	LagBytes    uint64  `json:"lag_bytes"`
	Waiting     bool    `json:"waiting"` // a request is in flight
	IdleSeconds float64 `json:"idle_seconds"`
	Requests    uint64  `json:"requests"`
	SentPackets uint64  `json:"sent_packets"`
	SentBytes   uint64  `json:"sent_bytes"`
	Done        bool    `json:"done"` // was sent the end of input
}

// Status returns a snapshot.
func (h *Hub) Status() Status {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	up := now.Sub(h.start)
	rp, rb := h.rate.rate(now, up)
	blocked := h.blocked
	if !h.blockT0.IsZero() {
		blocked += now.Sub(h.blockT0)
	}
	s := Status{
		Instance: h.opt.Instance, Policy: h.opt.Policy.String(), OldestSeq: h.first, EndSeq: h.end(),
		HeldPackets: h.n, HeldBytes: h.heldRaw, BufferBytes: h.opt.BufferBytes,
		InputPackets: h.end(), InputBytes: h.totalIn, RatePackets: rp, RateBytes: rb,
		Evicted: h.evicted, Dropped: h.dropped, InputBlocked: !h.blockT0.IsZero(), Blocks: h.blocks,
		BlockedSeconds: blocked.Seconds(), EOF: h.eof, Closing: h.closing, SentPackets: h.sentPk, SentBytes: h.sentBy,
		UptimeSeconds: up.Seconds(), Clients: []ClientStatus{},
	}
	if h.inErr != nil {
		s.InputError = h.inErr.Error()
	}
	s.Drained = h.drainedLocked(now)
	end := h.end()
	for _, c := range h.clients {
		cs := ClientStatus{ID: c.id, Remote: c.remote, Cursor: c.cursor, Waiting: c.inflight > 0,
			IdleSeconds: now.Sub(c.lastSeen).Seconds(), Requests: c.requests, SentPackets: c.sentPackets,
			SentBytes: c.sentBytes, Done: c.done}
		if cs.Waiting {
			cs.IdleSeconds = 0
		}
		if c.cursor < end {
			cs.LagPackets = end - c.cursor
			cs.LagBytes = h.totalIn - h.cumLocked(c.cursor)
		}
		s.Clients = append(s.Clients, cs)
	}
	sort.Slice(s.Clients, func(i, j int) bool { return s.Clients[i].ID < s.Clients[j].ID })
	return s
}

// cumLocked returns the input bytes before sequence seq (as far as known).
func (h *Hub) cumLocked(seq uint64) uint64 {
	switch {
	case h.n == 0 || seq >= h.end():
		return h.totalIn
	case seq < h.first:
		return h.at(0).cum
	}
	return h.at(int(seq - h.first)).cum
}
