/**
 * Bytes → text, refusing what is not text rather than mangling it: a file that is not valid UTF-8
 * (Latin-1 / Windows-1252 from a spreadsheet, say) is an error naming the line and the byte, unless
 * the caller says it is Latin-1; UTF-16 and binary files (NUL bytes) are named as such. A UTF-8
 * byte-order mark is dropped. Browser-safe, and the same everywhere: no TextDecoder.
 */
import { DataError, ValueError } from '../tensor/errors.js';

export type TextEncoding = 'utf8' | 'latin1';
export const TEXT_ENCODINGS: readonly TextEncoding[] = ['utf8', 'latin1'];

// Windows-1252's characters for bytes 0x80–0x9F (where ISO-8859-1 has C1 controls); the five
// bytes Windows-1252 leaves undefined keep their ISO-8859-1 meaning. Decoded here, not by
// TextDecoder, because Node decodes 'windows-1252' as ISO-8859-1 and browsers do not.
const CP1252 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const chunk = bytes.subarray(i, i + 8192);
    let part = '';
    for (const b of chunk) part += b >= 0x80 && b <= 0x9f ? CP1252[b - 0x80] : String.fromCharCode(b);
    out += part;
  }
  return out.charCodeAt(0) === 0xfeff ? out.slice(1) : out;
}

function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let n = 0, min = 0;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; min = 0x80; } else if (c >= 0xe0 && c <= 0xef) { n = 2; min = 0x800; } else if (c >= 0xf0 && c <= 0xf4) { n = 3; min = 0x10000; } else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Decodes bytes already checked by firstInvalidUtf8 (no TextDecoder: it is not in the ES library the core is checked against). */
function decodeValidUtf8(b: Uint8Array): string {
  const parts: string[] = [];
  const units: number[] = [];
  for (let i = 0; i < b.length;) {
    const c = b[i];
    let cp: number;
    if (c < 0x80) { cp = c; i += 1; } else if (c < 0xe0) { cp = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f); i += 2; } else if (c < 0xf0) {
      cp = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f); i += 3;
    } else { cp = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f); i += 4; }
    if (cp >= 0x10000) { cp -= 0x10000; units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff)); } else units.push(cp);
    if (units.length >= 8192) { parts.push(String.fromCharCode(...units)); units.length = 0; }
  }
  parts.push(String.fromCharCode(...units));
  return parts.join('');
}

/**
 * Decodes a text file's bytes. `source` names the file in messages; `encoding` 'latin1' reads
 * Windows-1252 (ISO-8859-1 with printable characters at 0x80–0x9F), where every byte is a character.
 * @example decodeText(new TextEncoder().encode('a,b\n'), 'd.csv') // 'a,b\n'
 */
export function decodeText(bytes: Uint8Array, source: string, options: { encoding?: TextEncoding; hint?: string; latin1?: boolean } = {}): string {
  const { encoding = 'utf8', hint = '', latin1 = true } = options;
  if (encoding !== 'utf8' && encoding !== 'latin1') throw new ValueError(`decodeText: encoding must be 'utf8' or 'latin1', got ${JSON.stringify(encoding)}`);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new DataError(`${source}: the file is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8${hint}`);
  }
  // Binary: a NUL in the first line, or NULs as more than 1% of the first 8000 bytes (a stray NUL
  // in a CSV cell is left for the column checks, which name the column).
  const nul = bytes.indexOf(0);
  const head = bytes.subarray(0, 8000);
  let nuls = 0;
  for (const b of head) if (b === 0) nuls++;
  const firstLineEnd = bytes.indexOf(0x0a);
  if (nul >= 0 && (nuls > head.length / 100 || firstLineEnd < 0 || nul < firstLineEnd)) {
    throw new DataError(`${source} line ${lineOf(bytes, nul)}: a NUL byte (offset ${nul}); this is a binary file, not text${hint}`);
  }
  if (encoding === 'latin1') return decodeWindows1252(bytes);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    throw new DataError(
      `${source} line ${lineOf(bytes, bad)}: byte 0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')} (offset ${bad}) is not UTF-8 text; ` +
        (latin1 ? 'if the file is Latin-1 / Windows-1252 (common from spreadsheets) give --encoding latin1, or convert it (iconv -f latin1 -t utf-8)' : 'save it as UTF-8') + hint,
    );
  }
  const text = decodeValidUtf8(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
