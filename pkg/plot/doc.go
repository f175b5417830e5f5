// Package plot turns the suite's spectrum packets (docs/FORMAT.md §3) into
// pictures and tables: the engine of wsa-plot, importable so a Go program
// can draw what a pipeline measured in a few lines.
//
// The path is always the same: Input reads spectra from a VRT stream (and
// refuses raw I/Q with a hint); Assembler groups them into Frames (one
// spectrum, or one pass of an unstitched sweep laid side by side); then
//
//   - Traces reduces frames per source to live/average/max/min curves and
//     RenderLine draws them with gonum/plot (PNG or SVG), returning the
//     Geometry (data area and axis ends) of the image;
//   - Waterfall keeps frames as rows in bounded memory (RowStore: newest N
//     rows, or the whole input merged into N rows) and paints a paletted
//     PNG with the standard library, with a colour bar;
//   - CSVWriter and JSONWriter write every spectrum as rtl_power CSV rows or
//     JSON lines;
//   - Live draws a live terminal view with tcell.
//
// Everything that reads input reports damage as *vrt.FormatError (packet
// index and byte offset), so callers can still draw what came before it.
// Package plottest makes synthetic spectrum streams for tests.
package plot
