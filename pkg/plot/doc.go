// Package plot renders the suite's spectrum packets.
package plot

import (
	_ "github.com/gdamore/tcell/v2"
	_ "golang.org/x/image/font/basicfont"
	_ "gonum.org/v1/plot"
	_ "gonum.org/v1/plot/plotter"
	_ "gonum.org/v1/plot/vg/vgimg"
	_ "gonum.org/v1/plot/vg/vgsvg"
)
