package plot

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The waterfall is painted with the standard library only, and its text
// with the 7×13 bitmap face from x/image: crisp at any size of image, no
// anti-aliasing, so the image stays a small palette and labels never blend
// into colours a test or a colour picker would misread.
var face = basicfont.Face7x13

const (
	charW   = 7
	lineH   = 13
	ascent  = 11
	tickLen = 4
)

// textWidth returns the width in pixels of s.
func textWidth(s string) int { return font.MeasureString(face, s).Ceil() }

// drawText draws s with its top-left corner at (x, y).
func drawText(dst draw.Image, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y+ascent)}
	d.DrawString(s)
}

// Horizontal alignment of drawTextAligned.
const (
	alignLeft = iota
	alignCenter
	alignRight
)

// drawTextAligned draws s at y, placed relative to x.
func drawTextAligned(dst draw.Image, x, y int, s string, c color.Color, align int) {
	switch align {
	case alignCenter:
		x -= textWidth(s) / 2
	case alignRight:
		x -= textWidth(s)
	}
	drawText(dst, x, y, s, c)
}

// fillRect paints r with palette index i.
func fillRect(img *image.Paletted, r image.Rectangle, i uint8) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for x := range row {
			row[x] = i
		}
	}
}

// strokeRect draws a one-pixel frame just outside r.
func strokeRect(img *image.Paletted, r image.Rectangle, i uint8) {
	o := r.Inset(-1)
	fillRect(img, image.Rect(o.Min.X, o.Min.Y, o.Max.X, o.Min.Y+1), i)
	fillRect(img, image.Rect(o.Min.X, o.Max.Y-1, o.Max.X, o.Max.Y), i)
	fillRect(img, image.Rect(o.Min.X, o.Min.Y, o.Min.X+1, o.Max.Y), i)
	fillRect(img, image.Rect(o.Max.X-1, o.Min.Y, o.Max.X, o.Max.Y), i)
}
