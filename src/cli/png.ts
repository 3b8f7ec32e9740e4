/**
 * PNG pictures for the CLI: every PNG is the same SVG the CLI writes, rendered by resvg (a
 * well-kept Rust SVG renderer, here as WebAssembly: @resvg/resvg-wasm) with a real font shipped in an
 * npm package (DejaVu Sans from dejavu-fonts-ttf, which has σ, ∂, δ, η and →). No system fonts are
 * read, so a picture looks the same on every machine. The renderer is loaded on first use.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';

const require = createRequire(import.meta.url);

let ready: Promise<Buffer[]> | null = null;

/** The renderer's wasm, instantiated once, and the font files. */
function load(): Promise<Buffer[]> {
  ready ??= (async () => {
    await initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
    return ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${f}`)));
  })();
  return ready;
}

/** The font family every SVG the CLI writes asks for first (the PNGs render it from the bundled file). */
export const PNG_FONT = 'DejaVu Sans';

/**
 * An SVG document as PNG bytes at the SVG's own width and height.
 * @example writeFileSync('loss.png', await svgToPng(curvesSvg(curves, 'loss per epoch')))
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  const fontBuffers = await load();
  const r = new Resvg(svg, {
    font: { fontBuffers, loadSystemFonts: false, defaultFontFamily: PNG_FONT, sansSerifFamily: PNG_FONT },
    background: '#ffffff',
  });
  const img = r.render();
  const png = Buffer.from(img.asPng());
  img.free();
  r.free();
  return png;
}
