//go:build ignore

// genicon draws assets/icon.png: an envelope with a padlock on a rounded blue
// square. Run `go run genicon.go` in assets/ to redraw it.
package main

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

const size = 512

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	blue := color.NRGBA{0x1f, 0x5f, 0xbf, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	gold := color.NRGBA{0xf2, 0xb1, 0x34, 0xff}
	dark := color.NRGBA{0x15, 0x3f, 0x80, 0xff}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if inRounded(x, y, 16, 16, size-16, size-16, 96) {
				img.Set(x, y, blue)
			}
			// envelope body
			if x >= 96 && x <= 416 && y >= 150 && y <= 370 {
				img.Set(x, y, white)
				// flap: a V from the top corners to the centre
				fx := float64(x-256) / 160
				fy := float64(y-150) / 130
				if math.Abs(0.6*(1-math.Abs(fx))-fy) < 0.03 {
					img.Set(x, y, dark)
				}
			}
			// padlock: shackle and body, bottom right
			cx, cy := 372.0, 338.0
			d := math.Hypot(float64(x)-cx, float64(y)-(cy-30))
			if d >= 34 && d <= 50 && float64(y) <= cy-30 {
				img.Set(x, y, gold)
			}
			if x >= 312 && x <= 432 && y >= 308 && y <= 408 {
				img.Set(x, y, gold)
				if math.Hypot(float64(x)-cx, float64(y)-352) < 12 || (x >= 367 && x <= 377 && y >= 352 && y <= 384) {
					img.Set(x, y, dark)
				}
			}
		}
	}
	f, err := os.Create("icon.png")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		panic(err)
	}
}

func inRounded(x, y, x0, y0, x1, y1, r int) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := min(max(x, x0+r), x1-r)
	cy := min(max(y, y0+r), y1-r)
	dx, dy := float64(x-cx), float64(y-cy)
	return dx*dx+dy*dy <= float64(r*r)
}
