// Package longpoll carries a VITA-49 packet stream between processes and
// hosts over HTTP long-poll, without losing or duplicating packets: the
// transport behind wsa-serve and wsa-pull, importable so Go programs can
// serve or pull in-process.
//
// A Hub numbers every packet it is given with a 64-bit sequence and holds
// them in a bounded buffer. Readers ask for packets from a cursor; the
// answer comes as soon as any packet at or after it is held (or when the
// wait runs out, or the input ends), and names the cursor to ask next. A
// reader that asks again from that cursor can neither skip nor repeat a
// packet, across dropped connections and reconnections alike. When a
// reader falls more than a buffer behind, the Hub either waits for it
// (Block: backpressure reaches the producer) or discards the oldest packets
// (Drop), and the reader is told exactly how many it lost (a *CursorError,
// HTTP 410). Each Hub has a random instance ID so a reader can tell that a
// restarted server's sequence numbers are not the ones it was counting.
//
// Handler serves a Hub: GET /stream for packets, /status (JSON), /metrics
// (Prometheus). Source reads one server with resumption and backoff; Pull
// merges several into one stream, tagging spectrum stream IDs per source.
// docs/HTTP.md describes the protocol for curl and other languages.
package longpoll
