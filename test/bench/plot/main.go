// Command plot draws the benchmark's throughput plot: msgs/s against
// connections, one line per server, one panel per message size and
// pipeline depth, from the JSON lines test/bench/matrix writes. It is its
// own module so that gonum/plot is not one of otpnet's dependencies.
//
//	plot -in test/bench/results.jsonl -out docs/bench-throughput.png
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"os"
	"slices"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// record is the part of a matrix result line the plot needs.
type record struct {
	Server string `json:"server"`
	Loop   string `json:"loop"`
	Load   *struct {
		Conns      int     `json:"conns"`
		Size       int     `json:"size"`
		Depth      int     `json:"depth"`
		MsgsPerSec float64 `json:"msgs_per_sec"`
	} `json:"load"`
}

// panel is one message size and depth.
type panel struct{ size, depth int }

func main() {
	in := flag.String("in", "test/bench/results.jsonl", "matrix results, JSON lines")
	out := flag.String("out", "docs/bench-throughput.png", "PNG to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	data := map[panel]map[string]plotter.XYs{}
	var servers []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return err
		}
		if r.Loop != "closed" || r.Load == nil {
			continue
		}
		k := panel{r.Load.Size, r.Load.Depth}
		if data[k] == nil {
			data[k] = map[string]plotter.XYs{}
		}
		data[k][r.Server] = append(data[k][r.Server], plotter.XY{X: float64(r.Load.Conns), Y: r.Load.MsgsPerSec})
		if !slices.Contains(servers, r.Server) {
			servers = append(servers, r.Server)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(data) == 0 {
		return errors.New("no closed-loop results in " + in)
	}
	var panels []panel
	for k := range data {
		panels = append(panels, k)
	}
	sort.Slice(panels, func(i, j int) bool {
		a, b := panels[i], panels[j]
		return a.size < b.size || a.size == b.size && a.depth < b.depth
	})

	const cols = 2
	rows := (len(panels) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for i, k := range panels {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%d B messages, depth %d", k.size, k.depth)
		p.X.Label.Text = "connections"
		p.Y.Label.Text = "msgs/s"
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Y.Min = 0
		p.Y.Tick.Marker = siTicks{}
		p.Add(plotter.NewGrid())
		p.Legend.Top = true
		p.Legend.Left = true
		p.Legend.TextStyle.Font.Size = vg.Points(8)
		for j, s := range servers {
			xys := data[k][s]
			if len(xys) == 0 {
				continue
			}
			sort.Slice(xys, func(a, b int) bool { return xys[a].X < xys[b].X })
			l, pts, err := plotter.NewLinePoints(xys)
			if err != nil {
				return err
			}
			c := plotutil.Color(j)
			l.Color, pts.Color = c, c
			l.Dashes = plotutil.Dashes(j / 7)
			pts.Shape = plotutil.Shape(j)
			if s == "stdlib" {
				l.Width = vg.Points(2)
				l.Color, pts.Color = color.Black, color.Black
			}
			p.Add(l, pts)
			p.Legend.Add(s, l, pts)
		}
		plots[i/cols][i%cols] = p
	}

	img := vgimg.New(vg.Points(360*cols), vg.Points(270*float64(rows)))
	dc := draw.New(img)
	t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, t, dc)
	for r := range plots {
		for c, p := range plots[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// siTicks labels msgs/s axes 100k, 1.5M, ...
type siTicks struct{}

// Ticks returns plot.DefaultTicks with shorter labels.
func (siTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label == "" {
			continue
		}
		v := ts[i].Value
		switch {
		case v >= 1e6:
			ts[i].Label = fmt.Sprintf("%gM", v/1e6)
		case v >= 1e3:
			ts[i].Label = fmt.Sprintf("%gk", v/1e3)
		default:
			ts[i].Label = fmt.Sprintf("%g", v)
		}
	}
	return ts
}
