package plot

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"
)

// Colormap maps a level in [0, 1] to a colour. The tables are 256 entries of
// 8-bit RGB, so a waterfall painted through a palette loses nothing.
type Colormap struct {
	Name  string
	table [256][3]uint8
}

var grayTable = func() (t [256][3]uint8) {
	for i := range t {
		t[i] = [3]uint8{uint8(i), uint8(i), uint8(i)}
	}
	return t
}()

// colormaps is the registry behind --colormap: one entry per name.
var colormaps = map[string]*Colormap{
	"viridis": {Name: "viridis", table: viridisTable},
	"magma":   {Name: "magma", table: magmaTable},
	"gray":    {Name: "gray", table: grayTable},
}

// DefaultColormap is viridis: perceptually uniform and readable in grey and
// by most colour-blind viewers.
const DefaultColormap = "viridis"

// ColormapNames lists the known colormaps, sorted.
func ColormapNames() []string {
	names := make([]string, 0, len(colormaps))
	for n := range colormaps {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ColormapByName returns a colormap ("grey" is accepted for "gray").
func ColormapByName(name string) (*Colormap, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "grey" {
		n = "gray"
	}
	if c, ok := colormaps[n]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("unknown colormap %q (want %s)", name, strings.Join(ColormapNames(), ", "))
}

// At returns the colour for t in [0, 1] (clamped; NaN gives the low end),
// interpolating linearly between table entries. At(0) and At(1) are exactly
// the first and last table entries.
func (c *Colormap) At(t float64) color.RGBA {
	if !(t > 0) {
		t = 0
	}
	if t > 1 {
		t = 1
	}
	x := t * 255
	i := int(math.Floor(x))
	if i >= 255 {
		e := c.table[255]
		return color.RGBA{e[0], e[1], e[2], 255}
	}
	f := x - float64(i)
	a, b := c.table[i], c.table[i+1]
	mix := func(u, v uint8) uint8 { return uint8(math.Round(float64(u) + f*(float64(v)-float64(u)))) }
	return color.RGBA{mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2]), 255}
}

// Levels returns n colours evenly spaced over the map, ends included (n ≥ 2).
func (c *Colormap) Levels(n int) []color.RGBA {
	if n < 2 {
		n = 2
	}
	out := make([]color.RGBA, n)
	for i := range out {
		out[i] = c.At(float64(i) / float64(n-1))
	}
	return out
}
