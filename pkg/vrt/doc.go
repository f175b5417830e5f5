// Package vrt reads and writes VITA-49 (VRT) packet streams: the format a
// ThinkRF WSA device sends on its data port and the one format every wsa-*
// tool passes along a pipe.
//
// A stream is packets back to back, big-endian, each announcing its own
// length in 32-bit words in its first word. Reader frames such a stream (and
// VITA-49.1 VRL frames, detected automatically) without allocating per
// packet; Writer writes it back, optionally wrapped in VRL frames with a
// CRC for archives. Packet decodes one packet in place, leaving the payload
// as a view into the caller's bytes, in the manner of gopacket's
// DecodeFromBytes.
//
// Context packets are walked field by field in VITA order from a single table
// of field descriptions (see fields.go) that both the decoder and the encoder
// read, so any combination of fields decodes and re-encodes bit-exactly. The
// ThinkRF extension context (sweep ID, stream ID, IQ swap) and the suite's own
// spectrum extension are described by tables of the same kind.
//
// The suite's spectrum packets, the output of wsa-fft and wsa-cal, are built
// and parsed by Spectrum; docs/FORMAT.md describes them byte by byte.
package vrt
