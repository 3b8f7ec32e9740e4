// safetensors: round trips of networks and state dicts (F32, F64, metadata), the layout the
// specification fixes (header length, space padding to 8 bytes, packed little-endian data), files
// built by hand the way other writers lay them out, files written from torch tensors by Python, and
// malformed files, each a one-line DataError naming the file, with nothing allocated from an
// unchecked size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, Network, Tensor, tensor, toSafetensors, fromSafetensors, parseSafetensors, ValueError, Dense, Sequential } from '../../src/index.js';
import { saveSafetensors, loadSafetensors } from '../../src/node.js';
import { runPython, skipWithoutTorch } from './torch.js';

/** A file from a header object and data bytes, laid out by hand (pad: spaces after the JSON). */
function build(header: Record<string, unknown>, data: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32(...xs: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(xs).buffer);
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => parseSafetensors(bytes, 'bad.safetensors'), (err: Error) => {
    assert.ok(err instanceof DataError, `${err.name}: ${err.message}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    assert.match(err.message, /^bad\.safetensors: /);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a network round-trips: names, shapes, values and metadata; the header is padded to 8 bytes', () => {
  const net = new Network({ inputs: 3, layers: [{ units: 4, activation: 'tanh' }, { units: 2, activation: 'softmax' }], loss: 'crossEntropy', seed: 7 });
  const bytes = toSafetensors(net, { metadata: { format: 'pt', note: 'ünïcode ✓' } });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  assert.equal(bytes[8], 0x7b);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.deepEqual(Object.keys(header), ['__metadata__', 'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
  assert.deepEqual(header['layers.0.weight'], { dtype: 'F32', shape: [4, 3], data_offsets: [0, 48] });
  assert.deepEqual(header['layers.1.bias'], { dtype: 'F32', shape: [2], data_offsets: [96, 104] });
  assert.equal(bytes.length, 8 + n + 104);
  const parsed = parseSafetensors(bytes, 'net.safetensors');
  assert.deepEqual(parsed.metadata, { format: 'pt', note: 'ünïcode ✓' });
  for (const [name, t] of net.namedParameters()) {
    assert.deepEqual(parsed.tensors[name].shape, t.shape);
    assert.deepEqual(Array.from(parsed.tensors[name].data), Array.from(t.data), name);
    assert.equal(parsed.tensors[name].dtype, 'float32');
  }
  // The raw data is the little-endian float32 bytes of the weights, back to back.
  const w = net.layers[0].weight.data as Float32Array;
  assert.deepEqual(Array.from(bytes.subarray(8 + n, 8 + n + 48)), Array.from(new Uint8Array(w.buffer, w.byteOffset, 48)));
});

test('float64 tensors stay F64 (or are written as asked); a Module and a plain state dict work too', () => {
  const x = tensor([[1 / 3, -2e-300], [Math.PI, 1e300]], { dtype: 'float64' });
  const back = fromSafetensors(toSafetensors({ x, y: tensor([1.5, -2]) }));
  assert.equal(back.x.dtype, 'float64');
  assert.deepEqual(Array.from(back.x.data), [1 / 3, -2e-300, Math.PI, 1e300]);
  assert.deepEqual(back.y.shape, [2]);
  const as32 = fromSafetensors(toSafetensors({ x }, { dtype: 'F32' }));
  assert.equal(as32.x.dtype, 'float32');
  assert.equal(as32.x.data[0], Math.fround(1 / 3));
  const mod = new Sequential(new Dense(2, 3, { seed: 1 }), new Dense(3, 1, { seed: 2 }));
  const sd = fromSafetensors(toSafetensors(mod));
  assert.deepEqual(Object.keys(sd), ['0.weight', '0.bias', '1.weight', '1.bias']);
  mod.loadStateDict(sd);
  // A scalar and an empty tensor are legal.
  const odd = fromSafetensors(toSafetensors({ s: new Tensor(Float32Array.of(4), []), e: new Tensor(new Float32Array(0), [0, 3]) }));
  assert.deepEqual(odd.s.shape, []);
  assert.equal(odd.s.data[0], 4);
  assert.deepEqual(odd.e.shape, [0, 3]);
});

test('writing refuses what the format cannot hold', () => {
  assert.throws(() => toSafetensors({}), ValueError);
  assert.throws(() => toSafetensors({ __metadata__: tensor([1]) }), /cannot be a tensor name/);
  assert.throws(() => toSafetensors({ a: tensor([1]) }, { metadata: { n: 3 as unknown as string } }), /metadata 'n' must be a string/);
});

test('files laid out by other writers load: no padding, any key order, metadata last, F64 at an odd offset', () => {
  const a = f32(1, 2, 3, 4, 5, 6);
  const b = new Uint8Array(Float64Array.of(-0.5, 1e-310).buffer);
  const data = new Uint8Array(a.length + b.length + 4);
  data.set(b, 0);
  data.set(a, b.length);
  data.set(f32(9), b.length + a.length);
  const bytes = build({
    'layers.0.weight': { shape: [2, 3], data_offsets: [16, 40], dtype: 'F32' },
    b: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
    c: { dtype: 'F32', shape: [], data_offsets: [40, 44] },
    __metadata__: { format: 'pt' },
  }, data);
  const p = parseSafetensors(bytes, 'x');
  assert.deepEqual(Object.keys(p.tensors), ['layers.0.weight', 'b', 'c']);
  assert.deepEqual(Array.from(p.tensors['layers.0.weight'].data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(p.tensors['layers.0.weight'].shape, [2, 3]);
  assert.deepEqual(Array.from(p.tensors.b.data), [-0.5, 1e-310]);
  assert.equal(p.tensors.c.data[0], 9);
  assert.deepEqual(p.metadata, { format: 'pt' });
  // The same file read from a slice of a bigger buffer (as Node's Buffer pool hands it out).
  const pooled = new Uint8Array(bytes.length + 3);
  pooled.set(bytes, 3);
  assert.deepEqual(Array.from(parseSafetensors(pooled.subarray(3), 'x').tensors.b.data), [-0.5, 1e-310]);
});

test('malformed files give one-line errors naming the file and the problem', () => {
  const ok = build({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1, 2));
  assert.doesNotThrow(() => parseSafetensors(ok, 'ok'));
  rejects(new Uint8Array(0), /empty/);
  rejects(ok.subarray(0, 5), /only 5 bytes, too short/);
  rejects(ok.subarray(0, ok.length - 3), /data_offsets \[0, 8\] run past the end of the data \(5 bytes/); // truncated data
  rejects(ok.subarray(0, 20), /header length is \d+ bytes, beyond the end of the file \(20 bytes\)/); // truncated header
  const huge = ok.slice();
  new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
  rejects(huge, /header length is over 2\^53 bytes, beyond the end of the file/);
  const big = ok.slice();
  new DataView(big.buffer).setBigUint64(0, BigInt(ok.length), true);
  rejects(big, /beyond the end of the file/);
  rejects(build({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 12] } }, f32(1, 2)), /\[0, 12\] run past the end of the data \(8 bytes/);
  rejects(build({ w: { dtype: 'F32', shape: [2], data_offsets: [4, 2] } }, f32(1, 2)), /end before they begin/);
  rejects(build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(1, 2, 3)), /tensors 'a' and 'b' overlap/);
  rejects(build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(1, 2)), /bytes 0\.\.4 of the data belong to no tensor/);
  rejects(build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(1, 2)), /4 bytes after the last tensor belong to no tensor/);
  rejects(build({ w: { dtype: 'F31', shape: [2], data_offsets: [0, 8] } }, f32(1, 2)), /tensor 'w': unknown dtype "F31"/);
  rejects(build({ w: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, f32(1, 2)), /tensor 'w' is F16; backprop reads F32 and F64/);
  rejects(build({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(1, 2)), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/);
  rejects(build({ w: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] } }, f32(1, 2)), /shape must be an array of whole numbers/);
  rejects(build({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, f32(1, 2)), /data_offsets must be two whole numbers/);
  rejects(build({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8], extra: 1 } }, f32(1, 2)), /unknown field 'extra'/);
  rejects(build({ w: 3 }, f32(1, 2)), /tensor 'w': expected an object/);
  rejects(build({ __metadata__: { a: 1 }, w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1, 2)), /__metadata__ 'a' must be a string/);
  // A shape whose element count is astronomically large: refused from the header, no allocation tried.
  rejects(build({ w: { dtype: 'F64', shape: [2 ** 40, 2 ** 40, 2 ** 20], data_offsets: [0, 8] } }, f32(1, 2)), /needs 10141204801825835211973625643008 bytes/);
  // Not JSON, not UTF-8, not an object, not starting with '{'.
  const text = (s: string | Uint8Array): Uint8Array => {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    const out = new Uint8Array(8 + b.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(b.length), true);
    out.set(b, 8);
    return out;
  };
  rejects(text('{"w": {"dtype": "F32",'), /header is not valid JSON/);
  rejects(text(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)), /not valid UTF-8/);
  rejects(text('[1, 2]   '), /does not start with '\{'/);
  rejects(text('PK\u0003\u0004 zip'), /does not start with '\{'/);
});

test('saveSafetensors/loadSafetensors write atomically and name the file in errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-st-'));
  try {
    const net = new Network({ inputs: 2, layers: [{ units: 1 }], seed: 3 });
    const path = join(dir, 'w.safetensors');
    const n = await saveSafetensors(path, net, { metadata: { format: 'pt' } });
    assert.equal(readFileSync(path).length, n);
    const back = await loadSafetensors(path);
    assert.deepEqual(Array.from(back.tensors['layers.0.weight'].data), Array.from(net.layers[0].weight.data));
    await assert.rejects(loadSafetensors(join(dir, 'nope.safetensors')), /nope\.safetensors: cannot read the safetensors file \(no such file\)/);
    await assert.rejects(loadSafetensors(dir), /cannot read the safetensors file \(it is a folder\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files written from torch tensors by Python load (safetensors package when present, else torch.save then converted)', { skip: skipWithoutTorch() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-st-py-'));
  try {
    // Python's side: tensors made by torch, saved with torch.save, loaded back and converted to
    // safetensors by the safetensors package or, without it, by a writer of its own (struct + json,
    // no padding, float64 first), independent of backprop's writer.
    const script = String.raw`
import json, struct, sys, torch
torch.manual_seed(0)
ts = {'layers.0.weight': torch.randn(5, 3), 'layers.0.bias': torch.randn(5), 'extra.double': torch.randn(2, 2, dtype=torch.float64)}
torch.save(ts, sys.argv[1] + '/ts.pt')
ts = torch.load(sys.argv[1] + '/ts.pt')
try:
    from safetensors.torch import save_file
    save_file(ts, sys.argv[1] + '/ts.safetensors', metadata={'format': 'pt'})
    how = 'safetensors'
except ImportError:
    header, blobs, off = {'__metadata__': {'format': 'pt'}}, [], 0
    for name in ['extra.double', 'layers.0.bias', 'layers.0.weight']:
        t = ts[name].contiguous()
        b = t.numpy().astype('<f8' if t.dtype == torch.float64 else '<f4').tobytes()
        header[name] = {'dtype': 'F64' if t.dtype == torch.float64 else 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b); off += len(b)
    h = json.dumps(header).encode()
    with open(sys.argv[1] + '/ts.safetensors', 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
    how = 'torch.save + converted'
print(json.dumps({'how': how, 'values': {k: v.double().flatten().tolist() for k, v in ts.items()}, 'shapes': {k: list(v.shape) for k, v in ts.items()}}))
`;
    const r = runPython(['-c', script, dir]);
    assert.equal(r.status, 0, r.stderr);
    const expected = JSON.parse(r.stdout) as { how: string; values: Record<string, number[]>; shapes: Record<string, number[]> };
    const parsed = parseSafetensors(readFileSync(join(dir, 'ts.safetensors')), 'ts.safetensors');
    assert.deepEqual(parsed.metadata, { format: 'pt' });
    for (const [name, values] of Object.entries(expected.values)) {
      assert.deepEqual(parsed.tensors[name].shape, expected.shapes[name], name);
      assert.deepEqual(Array.from(parsed.tensors[name].data), values, `${name} (${expected.how})`);
    }
    assert.equal(parsed.tensors['extra.double'].dtype, 'float64');
    // And the other way: backprop's file read by torch through the exported model.py's reader is
    // covered in pytorch.test.ts; here the plain format check with torch.frombuffer.
    const net = new Network({ inputs: 3, layers: [{ units: 2 }], seed: 5 });
    const path = join(dir, 'bp.safetensors');
    writeFileSync(path, toSafetensors(net));
    const check = String.raw`
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
h = json.loads(raw[8:8 + n])
e = h['layers.0.weight']
b, end = e['data_offsets']
print(json.dumps(torch.frombuffer(bytearray(raw[8 + n + b:8 + n + end]), dtype=torch.float32).double().tolist()))
`;
    const r2 = runPython(['-c', check, path]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.deepEqual(JSON.parse(r2.stdout), Array.from(net.layers[0].weight.data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('I32 and I64 tensors (PyTorch writes num_batches_tracked as I64) are read as whole-number floats; I64 beyond 2^53 is refused', () => {
  const i64 = new Uint8Array(new BigInt64Array([7n, -3n]).buffer), i32 = new Uint8Array(new Int32Array([5, -2147483648]).buffer);
  const data = new Uint8Array(i64.length + i32.length); data.set(i64); data.set(i32, i64.length);
  const { tensors, entries } = parseSafetensors(build({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] }, k: { dtype: 'I32', shape: [2], data_offsets: [16, 24] } }, data));
  assert.deepEqual(Array.from(tensors.n.data), [7, -3]);
  assert.deepEqual(Array.from(tensors.k.data), [5, -2147483648]);
  assert.equal(tensors.n.dtype, 'float64');
  assert.equal(entries.n.dtype, 'I64');
  const scalar = parseSafetensors(build({ num_batches_tracked: { dtype: 'I64', shape: [], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([12n]).buffer))).tensors;
  assert.deepEqual(scalar.num_batches_tracked.shape, []);
  assert.equal(scalar.num_batches_tracked.data[0], 12);
  rejects(build({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([2n ** 60n]).buffer)), /tensor 'n' holds the I64 1152921504606846976 at element 0, beyond ±2\^53/);
});

test('toSafetensors writes buffers too: a Network (namedTensors) and a Module (stateDict), in state_dict order', () => {
  const net = new Network({ inputs: [3], layers: [{ type: 'batchNorm' }, { units: 1 }] });
  const names = Object.keys(fromSafetensors(toSafetensors(net)));
  assert.deepEqual(names, ['layers.0.weight', 'layers.0.bias', 'layers.0.running_mean', 'layers.0.running_var', 'layers.0.num_batches_tracked', 'layers.1.weight', 'layers.1.bias']);
  assert.deepEqual(Object.keys(fromSafetensors(toSafetensors(net.model))), names.map((n) => n.replace(/^layers\./, '')));
  assert.deepEqual(Object.keys(fromSafetensors(toSafetensors({ network: net }))), names);
});
