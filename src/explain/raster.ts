/**
 * A small RGBA raster for the PNG pictures (landscapes, loss curves): pixels blended over a
 * background, rectangles, thick lines, circles and text in a built-in 5×7 font. Browser-safe; the
 * PNG encoding itself (pngjs) is done by the CLI. Anything drawn outside the image is clipped.
 */
import { ValueError } from '../tensor/errors.js';


/** An RGBA image: 4 bytes per pixel, row-major from the top-left. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** An RGB colour as '#rrggbb' or [r, g, b] (0–255). */
export type Color = string | readonly number[];

function rgb(c: Color): readonly number[] {
  if (typeof c !== 'string') return c;
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  if (!m) throw new ValueError(`colour must be '#rrggbb', got '${c}'`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

// A 5×7 pixel font: 7 rows of 5 bits per glyph (enough for numbers, names and titles).
const FONT: Record<string, number[]> = {};
((): void => {
  const g = (ch: string, rows: string): void => { FONT[ch] = rows.split(' ').map((r) => parseInt(r.replace(/#/g, '1').replace(/\./g, '0'), 2)); };
  g('0', '.###. #...# #..## #.#.# ##..# #...# .###.'); g('1', '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.');
  g('2', '.###. #...# ....# ...#. ..#.. .#... #####'); g('3', '##### ...#. ..#.. ...#. ....# #...# .###.');
  g('4', '...#. ..##. .#.#. #..#. ##### ...#. ...#.'); g('5', '##### #.... ####. ....# ....# #...# .###.');
  g('6', '..##. .#... #.... ####. #...# #...# .###.'); g('7', '##### ....# ...#. ..#.. .#... .#... .#...');
  g('8', '.###. #...# #...# .###. #...# #...# .###.'); g('9', '.###. #...# #...# .#### ....# ...#. .##..');
  g('a', '..... ..... .###. ....# .#### #...# .####'); g('b', '#.... #.... #.##. ##..# #...# #...# ####.');
  g('c', '..... ..... .###. #.... #.... #...# .###.'); g('d', '....# ....# .##.# #..## #...# #...# .####');
  g('e', '..... ..... .###. #...# ##### #.... .###.'); g('f', '..##. .#..# .#... ###.. .#... .#... .#...');
  g('g', '..... .#### #...# #...# .#### ....# .###.'); g('h', '#.... #.... #.##. ##..# #...# #...# #...#');
  g('i', '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.'); g('j', '...#. ..... ..##. ...#. ...#. #..#. .##..');
  g('k', '#.... #.... #..#. #.#.. ##... #.#.. #..#.'); g('l', '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.');
  g('m', '..... ..... ##.#. #.#.# #.#.# #...# #...#'); g('n', '..... ..... #.##. ##..# #...# #...# #...#');
  g('o', '..... ..... .###. #...# #...# #...# .###.'); g('p', '..... ..... ####. #...# ####. #.... #....');
  g('q', '..... ..... .##.# #..## .#### ....# ....#'); g('r', '..... ..... #.##. ##..# #.... #.... #....');
  g('s', '..... ..... .###. #.... .###. ....# ####.'); g('t', '.#... .#... ###.. .#... .#... .#..# ..##.');
  g('u', '..... ..... #...# #...# #...# #..## .##.#'); g('v', '..... ..... #...# #...# #...# .#.#. ..#..');
  g('w', '..... ..... #...# #...# #.#.# #.#.# .#.#.'); g('x', '..... ..... #...# .#.#. ..#.. .#.#. #...#');
  g('y', '..... ..... #...# #...# .#### ....# .###.'); g('z', '..... ..... ##### ...#. ..#.. .#... #####');
  g('-', '..... ..... ..... .###. ..... ..... .....'); g('.', '..... ..... ..... ..... ..... .##.. .##..');
  g(',', '..... ..... ..... ..... .##.. ..#.. .#...'); g(':', '..... .##.. .##.. ..... .##.. .##.. .....');
  g('=', '..... ..... ##### ..... ##### ..... .....'); g('(', '...#. ..#.. .#... .#... .#... ..#.. ...#.');
  g(')', '.#... ..#.. ...#. ...#. ...#. ..#.. .#...'); g('[', '.###. .#... .#... .#... .#... .#... .###.');
  g(']', '.###. ...#. ...#. ...#. ...#. ...#. .###.'); g('_', '..... ..... ..... ..... ..... ..... #####');
  g('+', '..... ..#.. ..#.. ##### ..#.. ..#.. .....'); g('/', '....# ...#. ...#. ..#.. .#... .#... #....');
  g('>', '.#... ..#.. ...#. ....# ...#. ..#.. .#...'); g(' ', '..... ..... ..... ..... ..... ..... .....');
  g('?', '.###. #...# ....# ...#. ..#.. ..... ..#..'); g('%', '##... ##..# ...#. ..#.. .#... #..## ...##');
})();

/** Width of one character cell at scale 1 (5 pixels and a space), and the glyph height. */
export const FONT_ADVANCE = 6;
export const FONT_HEIGHT = 7;

/**
 * An RGBA image with the drawing operations plots need; coordinates are pixels from the top-left.
 * @example
 * const r = new Raster(200, 100);
 * r.line(0, 99, 199, 0, '#1f77b4', 2);
 * r.text(4, 4, 'loss 0.25', '#000000');
 */
export class Raster implements RgbaImage {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: Color = '#ffffff') {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > 1 << 26) {
      throw new ValueError(`Raster: size must be whole numbers ≥ 1 (and at most 64 megapixels), got ${width}×${height}`);
    }
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Blends one pixel with `alpha` (0..1) over what is there. */
  set(x: number, y: number, color: Color, alpha = 1): void {
    x = Math.round(x); y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const c = rgb(color);
    const o = (y * this.width + x) * 4;
    const d = this.data;
    for (let k = 0; k < 3; k++) d[o + k] = Math.round(d[o + k] * (1 - alpha) + c[k] * alpha);
    d[o + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, color: Color): void {
    const c = rgb(color);
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)), y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const o = (yy * this.width + xx) * 4;
        this.data[o] = c[0]; this.data[o + 1] = c[1]; this.data[o + 2] = c[2]; this.data[o + 3] = 255;
      }
    }
  }

  /** A line `thickness` pixels wide: small discs stamped along it, each pixel blended once. */
  line(x0: number, y0: number, x1: number, y1: number, color: Color, thickness = 1, alpha = 1): void {
    const c = rgb(color);
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
    const r = thickness / 2;
    const seen = new Set<number>();
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps, y = y0 + ((y1 - y0) * s) / steps;
      for (let j = Math.floor(y - r); j <= Math.ceil(y + r); j++) {
        for (let i = Math.floor(x - r); i <= Math.ceil(x + r); i++) {
          if ((i - x) ** 2 + (j - y) ** 2 > r * r + 0.25) continue;
          const key = j * this.width + i;
          if (seen.has(key)) continue;
          seen.add(key);
          this.set(i, j, c, alpha);
        }
      }
    }
  }

  /** A filled disc, or a ring `ring` pixels wide when ring > 0. */
  circle(cx: number, cy: number, radius: number, color: Color, ring = 0): void {
    const c = rgb(color);
    for (let j = Math.floor(cy - radius - 1); j <= Math.ceil(cy + radius + 1); j++) {
      for (let i = Math.floor(cx - radius - 1); i <= Math.ceil(cx + radius + 1); i++) {
        const d = Math.hypot(i - cx, j - cy);
        if (d <= radius && (ring === 0 || d >= radius - ring)) this.set(i, j, c);
      }
    }
  }

  /** Text in the 5×7 font with its top at y; x is its left edge, centre or right edge per `align`. */
  text(x: number, y: number, text: string, color: Color, scale = 1, align: 'left' | 'center' | 'right' = 'left'): void {
    const c = rgb(color);
    const w = Raster.textWidth(text, scale);
    let cx = Math.round(align === 'left' ? x : align === 'center' ? x - w / 2 : x - w);
    for (const ch of text) {
      const rows = FONT[ch] ?? FONT[ch.toLowerCase()] ?? FONT['?'];
      rows.forEach((bits, row) => {
        for (let col = 0; col < 5; col++) if (bits & (1 << (4 - col))) this.fillRect(cx + col * scale, Math.round(y) + row * scale, scale, scale, c);
      });
      cx += FONT_ADVANCE * scale;
    }
  }

  /** Width in pixels that `text` takes at `scale`. */
  static textWidth(text: string, scale = 1): number {
    return text.length * FONT_ADVANCE * scale - scale;
  }
}
