package wsa

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Typed methods for the WSA4000 SCPI set (device-facts.md §3). Setters
// check the value against the model's Properties first and send nothing
// when it is out of range; they send the strings pyrf sends (integers for
// frequencies), so a real device sees what it was built for.

// ID asks the device for its identity (*IDN?): four comma-separated fields.
func (c *Client) ID(ctx context.Context) (Identity, error) {
	r, err := c.query(ctx, ":*IDN?")
	if err != nil {
		return Identity{}, err
	}
	f := strings.Split(r, ",")
	if len(f) != 4 {
		return Identity{}, fmt.Errorf("wsa: *IDN? reply %q: want 4 comma-separated fields", r)
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	model := f[1]
	if i := strings.IndexByte(model, ' '); i > 0 {
		model = model[:i] // "WSA5000-220 v2" → "WSA5000-220", as pyrf does
	}
	return Identity{Manufacturer: f[0], Model: model, Serial: f[2], Firmware: f[3]}, nil
}

// Reset restores the default settings (*RST).
func (c *Client) Reset(ctx context.Context) error { return c.set(ctx, ":*RST") }

// Abort stops any block, stream, sweep or trigger at once.
func (c *Client) Abort(ctx context.Context) error {
	err := c.set(ctx, ":SYSTEM:ABORT")
	if err == nil {
		c.mu.Lock()
		c.started = false
		c.mu.Unlock()
	}
	return err
}

// Flush discards data the device has buffered but not yet sent.
func (c *Client) Flush(ctx context.Context) error { return c.set(ctx, ":SYSTEM:FLUSH") }

// RequestLock asks for the exclusive acquisition lock; true if granted
// (or already held).
func (c *Client) RequestLock(ctx context.Context) (bool, error) {
	r, err := c.query(ctx, ":SYSTEM:LOCK:REQUEST? ACQ")
	if err != nil {
		return false, err
	}
	ok, err := parseBool01(r, "lock request")
	if ok {
		c.mu.Lock()
		c.locked = true
		c.mu.Unlock()
	}
	return ok, err
}

// Lock acquires the acquisition lock or returns ErrLocked.
func (c *Client) Lock(ctx context.Context) error {
	ok, err := c.RequestLock(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrLocked
	}
	return nil
}

// HaveLock reports whether this client holds the acquisition lock.
func (c *Client) HaveLock(ctx context.Context) (bool, error) {
	r, err := c.query(ctx, ":SYSTEM:LOCK:HAVE? ACQ")
	if err != nil {
		return false, err
	}
	return parseBool01(r, "lock status")
}

// ReleaseLock gives the acquisition lock back (:SYSTEM:LOCK:RELEASE ACQ,
// [inferred]: pyrf never releases; the device also releases it when the
// control connection closes).
func (c *Client) ReleaseLock(ctx context.Context) error {
	err := c.set(ctx, ":SYSTEM:LOCK:RELEASE ACQ")
	if err == nil {
		c.mu.Lock()
		c.locked = false
		c.mu.Unlock()
	}
	return err
}

// RFLocked reports the RF VCO lock (SENSE:LOCK:RF?).
func (c *Client) RFLocked(ctx context.Context) (bool, error) {
	r, err := c.query(ctx, ":SENSE:LOCK:RF?")
	if err != nil {
		return false, err
	}
	return parseBool01(r, "RF lock")
}

// RefLocked reports the reference-clock PLL lock (SENSE:LOCK:REFERENCE?).
func (c *Client) RefLocked(ctx context.Context) (bool, error) {
	r, err := c.query(ctx, ":SENSE:LOCK:REFERENCE?")
	if err != nil {
		return false, err
	}
	return parseBool01(r, "reference lock")
}

// CaptureMode returns BLOCK, STREAMING or SWEEPING.
func (c *Client) CaptureMode(ctx context.Context) (string, error) {
	r, err := c.query(ctx, ":SYSTEM:CAPTURE:MODE?")
	return strings.ToUpper(r), err
}

func parseBool01(r, what string) (bool, error) {
	switch strings.TrimSpace(r) {
	case "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, fmt.Errorf("wsa: %s: unexpected reply %q", what, r)
}

func itoaHz(v float64) string { return strconv.FormatInt(int64(math.Round(v)), 10) }

func (c *Client) queryInt(ctx context.Context, q string) (int64, error) {
	r, err := c.query(ctx, q)
	if err != nil {
		return 0, err
	}
	tok, _, _ := strings.Cut(r, " ") // ":INPUT:GAIN:IF?" may append a unit
	n, err := strconv.ParseInt(tok, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("wsa: %s: reply %q is not an integer", q, r)
	}
	return n, nil
}

// SetFreq tunes the centre frequency (Hz, sent as an integer).
func (c *Client) SetFreq(ctx context.Context, hz float64) error {
	if err := c.props.CheckFreq(hz); err != nil {
		return err
	}
	return c.set(ctx, ":FREQ:CENTER "+itoaHz(hz))
}

// Freq returns the centre frequency in Hz.
func (c *Client) Freq(ctx context.Context) (float64, error) {
	n, err := c.queryInt(ctx, ":FREQ:CENTER?")
	return float64(n), err
}

// SetFShift sets the digital frequency shift (Hz).
func (c *Client) SetFShift(ctx context.Context, hz float64) error {
	if err := c.props.CheckFShift(hz); err != nil {
		return err
	}
	return c.set(ctx, ":FREQ:SHIFT "+itoaHz(hz))
}

// FShift returns the frequency shift in Hz.
func (c *Client) FShift(ctx context.Context) (float64, error) {
	r, err := c.query(ctx, ":FREQ:SHIFT?")
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(r, 64)
	if err != nil {
		return 0, fmt.Errorf("wsa: FREQ:SHIFT?: reply %q is not a number", r)
	}
	return v, nil
}

// SetDecimation sets the decimation (1 or 0 = off, or 4-1023). Like pyrf,
// "off" is written as 1 and, if the device does not read back 1 (firmware
// before 2.5.3), written again as 0.
func (c *Client) SetDecimation(ctx context.Context, d int) error {
	if err := c.props.CheckDecimation(d); err != nil {
		return err
	}
	if d > 1 {
		return c.set(ctx, ":SENSE:DECIMATION "+strconv.Itoa(d))
	}
	if err := c.set(ctx, ":SENSE:DECIMATION 1"); err != nil {
		return err
	}
	got, err := c.queryInt(ctx, ":SENSE:DECIMATION?")
	if err != nil {
		return err
	}
	if got != 1 {
		return c.set(ctx, ":SENSE:DECIMATION 0")
	}
	return nil
}

// Decimation returns the decimation; 1 means off (a readback of 0 from
// old firmware is reported as 1).
func (c *Client) Decimation(ctx context.Context) (int, error) {
	n, err := c.queryInt(ctx, ":SENSE:DECIMATION?")
	if n == 0 {
		n = 1
	}
	return int(n), err
}

// SetGain sets the RF gain.
func (c *Client) SetGain(ctx context.Context, g Gain) error {
	if err := c.props.CheckGain(g); err != nil {
		return err
	}
	return c.set(ctx, ":INPUT:GAIN:RF "+string(g))
}

// Gain returns the RF gain.
func (c *Client) Gain(ctx context.Context) (Gain, error) {
	r, err := c.query(ctx, ":INPUT:GAIN:RF?")
	if err != nil {
		return "", err
	}
	return ParseGain(r)
}

// SetIFGain sets the IF gain in dB.
func (c *Client) SetIFGain(ctx context.Context, db int) error {
	if err := c.props.CheckIFGain(db); err != nil {
		return err
	}
	return c.set(ctx, ":INPUT:GAIN:IF "+strconv.Itoa(db))
}

// IFGain returns the IF gain in dB.
func (c *Client) IFGain(ctx context.Context) (int, error) {
	n, err := c.queryInt(ctx, ":INPUT:GAIN:IF?")
	return int(n), err
}

// SetAntenna selects the antenna port.
func (c *Client) SetAntenna(ctx context.Context, n int) error {
	if err := c.props.CheckAntenna(n); err != nil {
		return err
	}
	return c.set(ctx, ":INPUT:ANTENNA "+strconv.Itoa(n))
}

// Antenna returns the antenna port.
func (c *Client) Antenna(ctx context.Context) (int, error) {
	n, err := c.queryInt(ctx, ":INPUT:ANTENNA?")
	return int(n), err
}

// SetPreselect switches the preselect filter.
func (c *Client) SetPreselect(ctx context.Context, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	return c.set(ctx, ":INPUT:FILTER:PRESELECT "+v)
}

// Preselect reports whether the preselect filter is on.
func (c *Client) Preselect(ctx context.Context) (bool, error) {
	r, err := c.query(ctx, ":INPUT:FILTER:PRESELECT?")
	if err != nil {
		return false, err
	}
	return parseBool01(r, "preselect")
}

// SetTrigger sets the trigger: NONE, or LEVEL with its range and level
// (level first, then type, as pyrf does).
func (c *Client) SetTrigger(ctx context.Context, t Trigger) error {
	if err := c.props.CheckTrigger(t); err != nil {
		return err
	}
	if t.Type == TriggerNone {
		return c.set(ctx, ":TRIGGER:TYPE NONE")
	}
	return c.set(ctx, fmt.Sprintf(":TRIGGER:LEVEL %s, %s, %d", itoaHz(t.StartHz), itoaHz(t.StopHz), int(math.Round(t.LevelDBm))),
		":TRIGGER:TYPE LEVEL")
}

// Trigger returns the trigger setting (the level fields are read for
// LEVEL triggers only).
func (c *Client) Trigger(ctx context.Context) (Trigger, error) {
	r, err := c.query(ctx, ":TRIGGER:TYPE?")
	if err != nil {
		return Trigger{}, err
	}
	tt, err := ParseTriggerType(r)
	if err != nil {
		return Trigger{}, err
	}
	t := Trigger{Type: tt}
	if tt != TriggerLevel {
		return t, nil
	}
	r, err = c.query(ctx, ":TRIGGER:LEVEL?")
	if err != nil {
		return t, err
	}
	f := strings.Split(r, ",")
	if len(f) != 3 {
		return t, fmt.Errorf("wsa: :TRIGGER:LEVEL? reply %q: want 3 fields", r)
	}
	var vals [3]float64
	for i := range f {
		if vals[i], err = strconv.ParseFloat(strings.TrimSpace(f[i]), 64); err != nil {
			return t, fmt.Errorf("wsa: :TRIGGER:LEVEL? reply %q: %w", r, err)
		}
	}
	t.StartHz, t.StopHz, t.LevelDBm = vals[0], vals[1], vals[2]
	return t, nil
}

// SetSPP sets the samples per data packet.
func (c *Client) SetSPP(ctx context.Context, n int) error {
	if err := c.props.CheckSPP(n); err != nil {
		return err
	}
	return c.set(ctx, ":TRACE:SPP "+strconv.Itoa(n))
}

// SPP returns the samples per packet.
func (c *Client) SPP(ctx context.Context) (int, error) {
	n, err := c.queryInt(ctx, ":TRACE:SPP?")
	return int(n), err
}

// SetPPB sets the packets per block.
func (c *Client) SetPPB(ctx context.Context, n int) error {
	if err := c.props.CheckPPB(n); err != nil {
		return err
	}
	return c.set(ctx, ":TRACE:BLOCK:PACKETS "+strconv.Itoa(n))
}

// PPB returns the packets per block.
func (c *Client) PPB(ctx context.Context) (int, error) {
	n, err := c.queryInt(ctx, ":TRACE:BLOCK:PACKETS?")
	return int(n), err
}

func (c *Client) markStarted() {
	c.mu.Lock()
	c.started = true
	c.mu.Unlock()
}

// Capture starts one block capture of ppb packets of spp samples: the
// device then sends the context and the data packets on the VRT
// connection (read them with ReadPacket, or use CaptureBlock).
func (c *Client) Capture(ctx context.Context, spp, ppb int) error {
	if err := c.props.CheckSPP(spp); err != nil {
		return err
	}
	if err := c.props.CheckPPB(ppb); err != nil {
		return err
	}
	c.markStarted()
	return c.set(ctx, ":TRACE:SPP "+strconv.Itoa(spp), ":TRACE:BLOCK:PACKETS "+strconv.Itoa(ppb), ":TRACE:BLOCK:DATA?")
}

// StreamStart starts continuous streaming. A non-zero id is echoed in an
// extension context packet (stream_id) so the reader knows where the
// stream's data begins.
func (c *Client) StreamStart(ctx context.Context, id uint32) error {
	c.markStarted()
	if id == 0 {
		return c.set(ctx, ":TRACE:STREAM:START")
	}
	return c.set(ctx, ":TRACE:STREAM:START "+strconv.FormatUint(uint64(id), 10))
}

// StreamStop stops streaming after the packet in progress; follow with
// Flush to drop what the device still holds.
func (c *Client) StreamStop(ctx context.Context) error { return c.set(ctx, ":TRACE:STREAM:STOP") }

// StreamRunning reports :TRACE:STREAM:STATUS? == RUNNING.
func (c *Client) StreamRunning(ctx context.Context) (bool, error) {
	r, err := c.query(ctx, ":TRACE:STREAM:STATUS?")
	if err != nil {
		return false, err
	}
	switch strings.ToUpper(r) {
	case "RUNNING":
		return true, nil
	case "STOPPED":
		return false, nil
	}
	return false, fmt.Errorf("wsa: stream status: unexpected reply %q", r)
}

// SweepClear empties the sweep list.
func (c *Client) SweepClear(ctx context.Context) error { return c.set(ctx, ":SWEEP:ENTRY:DELETE ALL") }

// SweepAdd appends an entry to the sweep list, with the command sequence
// of pyrf's WSA4000-era sweep_add (device-facts.md §3.4).
func (c *Client) SweepAdd(ctx context.Context, e SweepEntry) error {
	if err := c.props.CheckSweepEntry(e); err != nil {
		return err
	}
	dec := e.Decimation
	if dec == 0 {
		dec = 1
	}
	lines := []string{
		":SWEEP:ENTRY:NEW",
		":SWEEP:ENTRY:FREQ:CENTER " + itoaHz(e.StartHz) + ", " + itoaHz(e.StopHz),
		":SWEEP:ENTRY:FREQ:STEP " + itoaHz(e.StepHz),
		":SWEEP:ENTRY:FREQ:SHIFT " + itoaHz(e.FShiftHz),
		":SWEEP:ENTRY:DECIMATION " + strconv.Itoa(dec),
		":SWEEP:ENTRY:ANTENNA " + strconv.Itoa(e.Antenna),
		":SWEEP:ENTRY:GAIN:RF " + string(e.Gain),
		":SWEEP:ENTRY:GAIN:IF " + strconv.Itoa(e.IFGain),
		":SWEEP:ENTRY:SPP " + strconv.Itoa(e.SPP),
		":SWEEP:ENTRY:PPB " + strconv.Itoa(e.PPB),
		fmt.Sprintf(":SWEEP:ENTRY:DWELL %d,%d", e.DwellS, e.DwellUS),
		":SWEEP:ENTRY:TRIGGER:TYPE " + string(e.Trigger.Type),
	}
	if e.Trigger.Type == TriggerLevel {
		lines = append(lines, fmt.Sprintf(":SWEEP:ENTRY:TRIGGER:LEVEL %s, %s, %d",
			itoaHz(e.Trigger.StartHz), itoaHz(e.Trigger.StopHz), int(math.Round(e.Trigger.LevelDBm))))
	}
	lines = append(lines, ":SWEEP:ENTRY:SAVE")
	return c.set(ctx, lines...)
}

// SweepCount returns the number of entries in the sweep list
// (:SWEEP:ENTRY:COUNT?, [inferred]).
func (c *Client) SweepCount(ctx context.Context) (int, error) {
	n, err := c.queryInt(ctx, ":SWEEP:ENTRY:COUNT?")
	return int(n), err
}

// SweepRead reads entry i (1-based) of the sweep list.
func (c *Client) SweepRead(ctx context.Context, i int) (SweepEntry, error) {
	if i < 1 {
		return SweepEntry{}, &RangeError{"sweep entry index", strconv.Itoa(i), "1 or more"}
	}
	r, err := c.query(ctx, ":SWEEP:ENTRY:READ? "+strconv.Itoa(i))
	if err != nil {
		return SweepEntry{}, err
	}
	return parseSweepEntry(r)
}

func parseSweepEntry(r string) (SweepEntry, error) {
	f := strings.Split(r, ",")
	if len(f) != 16 {
		return SweepEntry{}, fmt.Errorf("wsa: sweep entry %q: want 16 fields", r)
	}
	num := make([]float64, 16)
	for i, s := range f {
		f[i] = strings.TrimSpace(s)
		if i == 6 || i == 12 {
			continue
		}
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return SweepEntry{}, fmt.Errorf("wsa: sweep entry field %d %q: %w", i+1, f[i], err)
		}
		num[i] = v
	}
	g, err := ParseGain(f[6])
	if err != nil {
		return SweepEntry{}, err
	}
	tt, err := ParseTriggerType(f[12])
	if err != nil {
		return SweepEntry{}, err
	}
	return SweepEntry{StartHz: num[0], StopHz: num[1], StepHz: num[2], FShiftHz: num[3], Decimation: int(num[4]),
		Antenna: int(num[5]), Gain: g, IFGain: int(num[7]), SPP: int(num[8]), PPB: int(num[9]),
		DwellS: int(num[10]), DwellUS: int(num[11]),
		Trigger: Trigger{Type: tt, StartHz: num[13], StopHz: num[14], LevelDBm: num[15]}}, nil
}

// SetSweepIterations sets how often the list runs per start (0 = until
// stopped).
func (c *Client) SetSweepIterations(ctx context.Context, n int) error {
	if n < 0 || n > math.MaxInt32 {
		return &RangeError{"sweep iterations", strconv.Itoa(n), "0 (forever) to 2147483647"}
	}
	return c.set(ctx, ":SWEEP:LIST:ITERATIONS "+strconv.Itoa(n))
}

// SweepIterations returns the iteration count.
func (c *Client) SweepIterations(ctx context.Context) (int, error) {
	n, err := c.queryInt(ctx, ":SWEEP:LIST:ITERATIONS?")
	return int(n), err
}

// SweepStart starts the sweep list. A non-zero id is sent before the
// data in an extension context packet (sweep_id).
func (c *Client) SweepStart(ctx context.Context, id uint32) error {
	c.markStarted()
	if id == 0 {
		return c.set(ctx, ":SWEEP:LIST:START")
	}
	return c.set(ctx, ":SWEEP:LIST:START "+strconv.FormatUint(uint64(id), 10))
}

// SweepStop stops the sweep.
func (c *Client) SweepStop(ctx context.Context) error { return c.set(ctx, ":SWEEP:LIST:STOP") }

// SweepRunning reports whether a sweep is running (:SWEEP:LIST:STATUS?,
// [inferred]).
func (c *Client) SweepRunning(ctx context.Context) (bool, error) {
	r, err := c.query(ctx, ":SWEEP:LIST:STATUS?")
	if err != nil {
		return false, err
	}
	return strings.EqualFold(r, "RUNNING"), nil
}
