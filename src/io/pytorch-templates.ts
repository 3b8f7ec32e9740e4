/**
 * The fixed parts of the Python files `backprop export --format pytorch` writes (src/io/pytorch.ts
 * generates the parts that depend on the model: constants, the layers, forward, the loss). Kept as
 * raw strings so the core stays browser-safe; the @@NAME@@ markers are filled in by pytorch.ts.
 * Python code only: no backticks in here.
 */

/** model.py after the generated constants: data encoding, safetensors I/O, load() and save(). */
export const MODEL_RUNTIME = String.raw`
class DataError(ValueError):
    """Bad input data or a bad weight file; the message is one line naming the file and the place."""


_NUMBER = re.compile(r'^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$')


def _number(cell):
    """A cell as a finite number, or None (backprop's rule: no thousands separators, no 'inf')."""
    s = cell.strip()
    if not _NUMBER.match(s):
        return None
    v = float(s)
    return v if math.isfinite(v) else None


def _js_number(v):
    """A number written as JavaScript's String(v) writes it (how backprop names numeric categories)."""
    if v == 0:
        return '0'
    r = repr(float(v))
    sign = '-' if r.startswith('-') else ''
    mant, _, exp = r.lstrip('-').partition('e')
    ip, _, fp = mant.partition('.')
    allds = ip + fp
    digits = allds.lstrip('0')
    n = len(ip) + (int(exp) if exp else 0) - (len(allds) - len(digits))
    digits = digits.rstrip('0')
    k = len(digits)
    if k <= n <= 21:
        out = digits + '0' * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + '.' + digits[n:]
    elif -6 < n <= 0:
        out = '0.' + '0' * (-n) + digits
    else:
        e = n - 1
        out = (digits if k == 1 else digits[0] + '.' + digits[1:]) + 'e' + ('+' if e >= 0 else '-') + str(abs(e))
    return sign + out


def _lookup(index, cell):
    """A category or label: exact (trimmed) first, then as a canonical number ('1.0' finds '1')."""
    s = cell.strip()
    if s in index:
        return index[s]
    v = _number(s)
    return None if v is None else index.get(_js_number(v))


def read_csv(path, delimiter=','):
    """The header and the data rows [(file line, cells)] of a CSV file; blank lines are skipped."""
    try:
        f = open(path, newline='', encoding='utf-8-sig')
    except OSError as err:
        raise DataError(f'{path}: cannot read the CSV file ({err.strerror})') from None
    with f:
        reader = csv.reader(f, delimiter=delimiter)
        header = None
        rows = []
        start = 1
        for cells in reader:
            if all(c.strip() == '' for c in cells):
                start = reader.line_num + 1
                continue
            if header is None:
                header = [c.strip() for c in cells]
            else:
                if len(cells) != len(header):
                    raise DataError(f'{path} line {start}: {len(cells)} fields, but the header has {len(header)}')
                rows.append((start, cells))
            start = reader.line_num + 1
    if header is None:
        raise DataError(f'{path}: the file is empty; it needs a header row and data rows')
    return header, rows


def encode_rows(header, rows, source='CSV', require_target=True, drop_missing=False):
    """Raw CSV rows encoded exactly as backprop encodes them: numbers standardised with the training
    statistics, categories one-hot, class labels as indices, regression targets standardised.
    Returns (inputs [n, INPUTS], targets [n] or None, the file lines of the rows used)."""
    if FEATURES is None:
        return _encode_plain(header, rows, source, require_target)
    index = {name: i for i, name in enumerate(header)}
    absent = [f[1] for f in FEATURES if f[1] not in index]
    if absent:
        raise DataError(f'{source}: missing column(s) {", ".join(absent)} that the model was trained on; the file has {", ".join(header)}')
    if require_target and TARGET['name'] not in index:
        raise DataError(f"{source}: no column '{TARGET['name']}' (the target the model was trained to predict)")
    cat_index = [({c: j for j, c in enumerate(f[2])} if f[0] == 'categorical' else None) for f in FEATURES]
    label_index = {c: j for j, c in enumerate(TARGET['labels'])} if TARGET['kind'] == 'classify' else None
    t = index[TARGET['name']] if require_target else -1
    xs, ys, lines = [], [], []
    for line, cells in rows:
        used = [index[f[1]] for f in FEATURES] + ([t] if t >= 0 else [])
        gap = next((c for c in used if cells[c].strip() in MISSING), None)
        if gap is not None:
            if drop_missing:
                continue
            raise DataError(f"{source} line {line}, column '{header[gap]}': missing value; fill it in, or drop such rows (--drop-missing)")
        row = []
        for f, cats in zip(FEATURES, cat_index):
            cell = cells[index[f[1]]]
            if f[0] == 'numeric':
                v = _number(cell)
                if v is None:
                    raise DataError(f"{source} line {line}, column '{f[1]}': '{cell.strip()}' is not a number, but the model saw numbers in this column")
                row.append((v - f[2]) / f[3])
            else:
                j = _lookup(cats, cell)
                if j is None:
                    raise DataError(f"{source} line {line}, column '{f[1]}': unknown category '{cell.strip()}'; the model knows {', '.join(f[2])}")
                one = [0.0] * len(f[2])
                one[j] = 1.0
                row.extend(one)
        if t >= 0:
            cell = cells[t]
            if label_index is not None:
                j = _lookup(label_index, cell)
                if j is None:
                    raise DataError(f"{source} line {line}, column '{TARGET['name']}': unknown class label '{cell.strip()}'; the model knows {', '.join(TARGET['labels'])}")
                ys.append(float(j))
            else:
                v = _number(cell)
                if v is None:
                    raise DataError(f"{source} line {line}, column '{TARGET['name']}': '{cell.strip()}' is not a number, but the model predicts a number for this column")
                ys.append((v - TARGET['mean']) / TARGET['std'])
        xs.append(row)
        lines.append(line)
    if not xs:
        raise DataError(f'{source}: no rows left to use')
    x = torch.tensor(xs, dtype=DTYPE)
    return x, (torch.tensor(ys, dtype=torch.float64) if t >= 0 else None), lines


def _encode_plain(header, rows, source, require_target):
    """A model without preprocessing takes numbers as they are: the first INPUTS columns are the
    inputs, the rest the targets (one class-index column for crossEntropy, else OUTPUTS columns)."""
    want = INPUTS + ((1 if LOSS == 'crossEntropy' else OUTPUTS) if require_target else 0)
    if len(header) < want:
        raise DataError(f'{source}: {len(header)} columns, but this model (no preprocessing) takes {INPUTS} input columns{" and its target columns" if require_target else ""}')
    xs, ys, lines = [], [], []
    for line, cells in rows:
        vals = []
        for c in range(want):
            v = _number(cells[c])
            if v is None:
                raise DataError(f"{source} line {line}, column '{header[c]}': '{cells[c].strip()}' is not a number")
            vals.append(v)
        xs.append(vals[:INPUTS])
        ys.append(vals[INPUTS:])
        lines.append(line)
    if not xs:
        raise DataError(f'{source}: no data rows')
    y = torch.tensor(ys, dtype=torch.float64) if require_target else None
    if y is not None and LOSS == 'crossEntropy':
        y = y[:, 0]
    return torch.tensor(xs, dtype=DTYPE), y, lines


_IDX_TYPES = {0x08: ('B', 1), 0x09: ('b', 1), 0x0B: ('h', 2), 0x0C: ('i', 4), 0x0D: ('f', 4), 0x0E: ('d', 8)}


def read_idx(path):
    """An IDX file (MNIST's format, gzip or not) as (dims, type code, values in a flat array)."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as err:
        raise DataError(f'{path}: cannot read the IDX file ({err.strerror})') from None
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise DataError(f'{path}: not an IDX file (bad magic number)')
    code, ndim = data[2], data[3]
    if len(data) < 4 + 4 * ndim:
        raise DataError(f'{path}: truncated IDX header')
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    count = math.prod(dims)
    kind, size = _IDX_TYPES[code]
    off = 4 + 4 * ndim
    if len(data) != off + count * size:
        raise DataError(f'{path}: the header says {count} values ({count * size} bytes) but {len(data) - off} bytes follow; truncated or damaged')
    values = array.array(kind)
    values.frombytes(data[off:])
    if size > 1 and sys.byteorder == 'little':
        values.byteswap()
    return list(dims), code, values


def encode_images(path):
    """IDX images as backprop encodes them: bytes / 255, then each pixel standardised."""
    dims, code, values = read_idx(path)
    if len(dims) < 2:
        raise DataError(f'{path}: images need at least 2 dimensions (count x pixels), the file has {dims}')
    width = math.prod(dims[1:])
    if width != INPUTS:
        raise DataError(f'{path}: images of {width} values, but the model was trained on {INPUTS}')
    x = torch.tensor(values, dtype=torch.float64 if code == 0x0E else torch.float32).view(dims[0], width)
    if code == 0x08:
        x = x / 255
    elif code not in (0x0D, 0x0E):
        raise DataError(f'{path}: images must be unsigned bytes (type 0x08) or floats (0x0D, 0x0E)')
    mean = torch.tensor([f[2] for f in FEATURES], dtype=torch.float64)
    std = torch.tensor([f[3] for f in FEATURES], dtype=torch.float64)
    return ((x.to(torch.float64) - mean) * (1 / std)).to(DTYPE)


def encode_labels(path, n):
    dims, code, values = read_idx(path)
    if len(dims) != 1 or dims[0] != n:
        raise DataError(f'{path}: expected {n} labels (one per image), the file has dims {dims}')
    k = OUTPUTS if OUTPUTS > 1 else 2
    bad = next((i for i, v in enumerate(values) if not 0 <= v < k), None)
    if bad is not None:
        raise DataError(f'{path}: label {bad} is {values[bad]}, but the model knows classes 0..{k - 1}')
    return torch.tensor(values, dtype=torch.float64)


def decode(outputs):
    """Network outputs in the target's terms: (labels, probabilities) for a classifier, values in the
    target's units for a regression (as backprop predict prints them)."""
    if TARGET is None:
        return outputs
    if TARGET['kind'] == 'regress':
        return outputs[:, 0].double() * TARGET['std'] + TARGET['mean']
    probs = torch.cat([1 - outputs, outputs], dim=1) if outputs.shape[1] == 1 else outputs
    return [TARGET['labels'][i] for i in probs.argmax(dim=1).tolist()], probs


_ST_DTYPES = {'F32': (torch.float32, 4), 'F64': (torch.float64, 8), 'I32': (torch.int32, 4), 'I64': (torch.int64, 8)}


def read_safetensors(path):
    """(tensors, metadata) of a safetensors file, with the standard library and torch only; checks the
    header length, offsets and sizes before reading anything."""
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as err:
        raise DataError(f'{path}: cannot read the weights ({err.strerror})') from None
    if len(raw) < 8:
        raise DataError(f'{path}: too short for a safetensors file')
    (n,) = struct.unpack('<Q', raw[:8])
    if n > len(raw) - 8:
        raise DataError(f'{path}: the header length {n} is beyond the end of the file ({len(raw)} bytes)')
    try:
        header = json.loads(raw[8:8 + n].decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as err:
        raise DataError(f'{path}: the header is not valid JSON ({err})') from None
    if not isinstance(header, dict):
        raise DataError(f'{path}: the header must be a JSON object')
    metadata = header.pop('__metadata__', None) or {}
    data = memoryview(raw)[8 + n:]
    spans = []
    tensors = {}
    for name, e in header.items():
        if not isinstance(e, dict) or e.get('dtype') not in _ST_DTYPES:
            raise DataError(f"{path}: tensor '{name}' has dtype {e.get('dtype') if isinstance(e, dict) else e!r}; this reader takes F32, F64, I32 and I64")
        dtype, size = _ST_DTYPES[e['dtype']]
        begin, end = e['data_offsets']
        shape = e['shape']
        if not (0 <= begin <= end <= len(data)) or math.prod(shape) * size != end - begin:
            raise DataError(f"{path}: tensor '{name}': data_offsets {[begin, end]} do not fit shape {shape} within {len(data)} bytes of data")
        spans.append((begin, end, name))
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.zeros(0, dtype=dtype)
        if sys.byteorder != 'little':
            t = torch.from_numpy(t.numpy().byteswap())
        tensors[name] = t.reshape(shape)
    spans.sort()
    for (b0, e0, a), (b1, e1, b) in zip(spans, spans[1:]):
        if b1 < e0:
            raise DataError(f"{path}: tensors '{a}' and '{b}' overlap")
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes tensors (name -> tensor) as a safetensors file atomically (a temporary file, then a rename)."""
    header = {}
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in (torch.float32, torch.float64):
            t = t.float()
        blob = ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() else b''
        if sys.byteorder != 'little':
            blob = t.numpy().byteswap().tobytes()
        header[name] = {'dtype': 'F32' if t.dtype == torch.float32 else 'F64', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    tmp = f'{path}.{os.getpid()}.tmp'
    try:
        with open(tmp, 'wb') as f:
            f.write(struct.pack('<Q', len(text)))
            f.write(text)
            for blob in blobs:
                f.write(blob)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read_weights(path):
    """(tensors, metadata): with the safetensors package when it is installed, else the reader above."""
    try:
        from safetensors import safe_open
    except ImportError:
        return read_safetensors(path)
    with safe_open(path, framework='pt') as f:
        return {k: f.get_tensor(k) for k in f.keys()}, (f.metadata() or {})


def write_weights(path, tensors, metadata=None):
    try:
        from safetensors.torch import save_file
    except ImportError:
        return write_safetensors(path, tensors, metadata)
    tmp = f'{path}.{os.getpid()}.tmp'
    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, tmp, metadata={str(k): str(v) for k, v in (metadata or {}).items()})
    os.replace(tmp, path)


def load(path=None):
    """The model with the weights in path (default: model.safetensors beside this file)."""
    path = path or os.path.join(HERE, 'model.safetensors')
    tensors, _ = read_weights(path)
    model = Model()
    own = dict(model.state_dict())
    unexpected = [k for k in tensors if k not in own]
    missing = [k for k in own if k not in tensors]
    if unexpected or missing:
        raise DataError(f'{path}: tensors do not match the model (missing: {", ".join(missing) or "none"}; unexpected: {", ".join(unexpected) or "none"})')
    for k, v in own.items():
        if tuple(tensors[k].shape) != tuple(v.shape):
            raise DataError(f"{path}: tensor '{k}' has shape {list(tensors[k].shape)}, the model expects {list(v.shape)}")
    model.load_state_dict({k: v.to(DTYPE) for k, v in tensors.items()})
    return model


def save(model, path=None, extra=None):
    """Writes the model's weights as safetensors, with the metadata backprop reads back (the
    architecture, preprocessing and training settings) plus 'extra' facts under metadata.pytorch."""
    path = path or os.path.join(HERE, 'model.safetensors')
    meta = dict(BACKPROP_MODEL)
    meta['metadata'] = dict(meta.get('metadata') or {})
    if extra:
        meta['metadata']['pytorch'] = extra
    write_weights(path, model.state_dict(), {'format': 'pt', 'backprop': json.dumps(meta)})
`;

/** train.py: argument parsing, data, DDP, the loop, saving. Settings come from model.py's TRAINING. */
export const TRAIN_SCRIPT = String.raw`"""Continues training a backprop model in PyTorch, on one process or many.

Generated by backprop (backprop export --format pytorch). Single process:

    python3 train.py --data train.csv --epochs 10

Several processes on this machine, with DistributedDataParallel (gloo on CPU, nccl on GPUs):

    @@LAUNCH@@ train.py --data train.csv --epochs 10

Then bring the weights back:  backprop import model.safetensors --out trained.json
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model as bp  # noqa: E402  (model.py beside this file)

T = bp.TRAINING


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Continue training the exported backprop model with PyTorch.')
    p.add_argument('--data', help='a CSV file with the training columns (raw values: model.py encodes them)')
    p.add_argument('--images', help='IDX images (gzip or not), for a model trained on images')
    p.add_argument('--labels', help='IDX labels that go with --images')
    p.add_argument('--delimiter', default=',', help="CSV field separator (default ',')")
    p.add_argument('--drop-missing', action='store_true', help='skip rows with missing values')
    p.add_argument('--epochs', type=int, default=T['epochs'], help=f"passes over the data (default {T['epochs']})")
    p.add_argument('--batch-size', default=str(T['batchSize']), help=f"rows per update over all processes, or 'full' (default {T['batchSize']})")
    p.add_argument('--optimizer', default=T['optimizer'], choices=sorted(OPTIMIZERS), help=f"default {T['optimizer']}")
    p.add_argument('--lr', type=float, default=T['learningRate'], help=f"learning rate (default {T['learningRate']})")
    p.add_argument('--weight-decay', type=float, default=T['weightDecay'], help=f"L2 penalty (decoupled for adamw) (default {T['weightDecay']})")
    p.add_argument('--seed', type=int, default=T['seed'], help=f"seed for shuffling (default {T['seed']})")
    p.add_argument('--no-shuffle', action='store_true', help='keep the rows in file order')
    p.add_argument('--weights', default=os.path.join(HERE, 'model.safetensors'), help='starting weights (default: model.safetensors here)')
    p.add_argument('--out', default=os.path.join(HERE, 'model.safetensors'), help='where the trained weights go (default: model.safetensors here, replaced atomically)')
    p.add_argument('--backend', default='auto', choices=['auto', 'gloo', 'nccl'], help='torch.distributed backend under torchrun (auto: nccl with CUDA, else gloo)')
    a = p.parse_args(argv)
    if (a.data is None) == (a.images is None):
        p.error('give --data <file.csv>, or --images <file> --labels <file>')
    if a.images is not None and a.labels is None:
        p.error('--images needs --labels')
    if a.epochs < 1:
        p.error('--epochs must be at least 1')
    if a.batch_size != 'full' and (not a.batch_size.isdigit() or int(a.batch_size) < 1):
        p.error(f"--batch-size must be a whole number >= 1 or 'full', got {a.batch_size!r}")
    return a


OPTIMIZERS = {
    # The same rules and defaults as backprop's optimizers (which follow torch.optim).
    'sgd': lambda ps, lr, wd: torch.optim.SGD(ps, lr=lr, weight_decay=wd),
    'momentum': lambda ps, lr, wd: torch.optim.SGD(ps, lr=lr, momentum=0.9, weight_decay=wd),
    'adam': lambda ps, lr, wd: torch.optim.Adam(ps, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd),
    'adamw': lambda ps, lr, wd: torch.optim.AdamW(ps, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd),
    'rmsprop': lambda ps, lr, wd: torch.optim.RMSprop(ps, lr=lr, alpha=0.99, eps=1e-8, weight_decay=wd),
    'adagrad': lambda ps, lr, wd: torch.optim.Adagrad(ps, lr=lr, eps=1e-10, weight_decay=wd),
}


def load_data(a):
    if a.images is not None:
        x = bp.encode_images(a.images)
        return x, bp.encode_labels(a.labels, x.shape[0])
    header, rows = bp.read_csv(a.data, a.delimiter)
    x, y, _ = bp.encode_rows(header, rows, a.data, require_target=True, drop_missing=a.drop_missing)
    return x, y


def main(argv=None):
    a = parse_args(argv)
    distributed = int(os.environ.get('WORLD_SIZE', '1')) > 1
    rank, world = 0, 1
    device = torch.device('cpu')
    if distributed:
        backend = a.backend if a.backend != 'auto' else ('nccl' if torch.cuda.is_available() else 'gloo')
        dist.init_process_group(backend)
        rank, world = dist.get_rank(), dist.get_world_size()
        if backend == 'nccl':
            device = torch.device('cuda', int(os.environ.get('LOCAL_RANK', '0')))
            torch.cuda.set_device(device)
    torch.manual_seed(a.seed)
    say = print if rank == 0 else (lambda *_, **__: None)

    x, y = load_data(a)
    targets = bp.make_targets(y)
    n = x.shape[0]
    if a.batch_size == 'full':
        local = math.ceil(n / world)
    else:
        local = max(1, round(int(a.batch_size) / world))
        if local * world != int(a.batch_size):
            say(f'note: {a.batch_size} rows per update do not split evenly over {world} processes; each takes {local} ({local * world} per update)')
    model = bp.load(a.weights)
    step_loss = bp.TrainingLoss(model).to(device)
    runner = DistributedDataParallel(step_loss) if distributed else step_loss
    optimizer = OPTIMIZERS[a.optimizer](model.parameters(), a.lr, a.weight_decay)
    sampler = DistributedSampler(TensorDataset(x, targets), num_replicas=world, rank=rank, shuffle=not a.no_shuffle, seed=a.seed)
    loader = DataLoader(TensorDataset(x, targets), batch_size=local, sampler=sampler)
    # A loss that sums over the batch (sse) must add up over processes, but DDP averages gradients.
    scale = world if bp.LOSS_SUMS else 1
    say(f'training on {n} rows, {world} process{"es" if world > 1 else ""}{" (" + dist.get_backend() + ")" if distributed else ""}, '
        f'{a.optimizer} lr {a.lr}, weight decay {a.weight_decay}, {local * world} rows per update, {a.epochs} epoch{"s" if a.epochs > 1 else ""}', flush=True)
    started = time.time()
    loss_value = float('nan')
    for epoch in range(1, a.epochs + 1):
        sampler.set_epoch(epoch)
        total = torch.zeros(2, dtype=torch.float64)
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = runner(xb, yb)
            (loss * scale).backward()
            optimizer.step()
            total += torch.tensor([loss.item() * xb.shape[0], xb.shape[0]], dtype=torch.float64)
        if distributed:
            total = total.to(device)
            dist.all_reduce(total)
            total = total.cpu()
        loss_value = (total[0] / total[1]).item()
        if not math.isfinite(loss_value):
            raise SystemExit(f'train.py: the loss became {loss_value} in epoch {epoch}; lower --lr')
        say(f'epoch {epoch}/{a.epochs}: loss {loss_value:.6g} ({time.time() - started:.1f}s)', flush=True)
    seconds = time.time() - started
    if rank == 0:
        bp.save(model, a.out, {'torch': torch.__version__, 'processes': world, 'backend': dist.get_backend() if distributed else 'none',
                               'epochs': a.epochs, 'optimizer': a.optimizer, 'learningRate': a.lr, 'weightDecay': a.weight_decay,
                               'rowsPerUpdate': local * world, 'loss': loss_value, 'seconds': round(seconds, 3), 'data': a.data or a.images})
        say(f'saved {a.out} (final loss {loss_value:.6g}, {seconds:.1f}s); bring it back with: backprop import {a.out} --out trained.json', flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    try:
        main()
    except bp.DataError as err:
        print(f'train.py: {err}', file=sys.stderr)
        sys.exit(1)
`;
