"""PyTorch (CPU) side of the bench: bench/libs/pytorch.ts runs this once per workload.

Reads one JSON job on stdin, prints one line `@@backprop-bench-result {json}` on stdout. The job:
  workload  'probe' | 'xor' | 'fashion' | 'cnn' | 'matmul' | 'lstm'
  threads   torch.set_num_threads(threads) before anything runs (the runner also sets
            OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS in the environment)
  clock     'cpu': time.process_time() (user + system CPU time of this process, all its threads,
            like Node's process.cpuUsage() in the other children); 'wall': time.perf_counter()
  seed, sizes (bench/common.ts Sizes), xor / fashion hyper-parameters, matmul n,
  data      fashion only: a file of little-endian float32 values, train images, train labels,
            test images, test labels one after another, with the counts in the job
Only training (or the products) is timed; data loading, model building, warm-up and evaluation are not.
"""
import gc
import json
import os
import sys
import time

MARKER = '@@backprop-bench-result '


def emit(obj):
    sys.stdout.write('\n' + MARKER + json.dumps(obj) + '\n')
    sys.stdout.flush()


def main():
    job = json.loads(sys.stdin.read())
    try:
        import torch
    except Exception as e:  # not installed: the runner reports the library as missing
        emit({'missing': f'{type(e).__name__}: {e}'.split('\n')[0]})
        return
    import torch.nn.functional as F

    torch.set_num_threads(int(job['threads']))
    clock = time.process_time if job['clock'] == 'cpu' else time.perf_counter
    seed = int(job['seed'])
    sizes = job['sizes']
    workload = job['workload']

    def timed(fn):
        gc.collect()
        t0 = clock()
        fn()
        return clock() - t0

    if workload == 'probe':
        emit({'version': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas_library(torch)})
        return

    if workload == 'xor':
        x = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
        y = torch.tensor([[0.], [1.], [1.], [0.]])
        rows = [(x[i:i + 1], y[i:i + 1]) for i in range(4)]
        hp = job['xor']

        def make(s):
            torch.manual_seed(s)
            net = torch.nn.Sequential(torch.nn.Linear(2, hp['hidden']), torch.nn.Sigmoid(), torch.nn.Linear(hp['hidden'], 1), torch.nn.Sigmoid())
            for layer in (net[0], net[2]):
                torch.nn.init.xavier_uniform_(layer.weight)
                torch.nn.init.zeros_(layer.bias)
            return net, torch.optim.SGD(net.parameters(), lr=hp['learningRate'])

        def train(net, opt, epochs):
            for _ in range(epochs):
                for xi, yi in rows:
                    opt.zero_grad(set_to_none=True)
                    F.mse_loss(net(xi), yi).backward()
                    opt.step()

        warm, warm_opt = make(seed)
        train(warm, warm_opt, min(20, sizes['xorEpochs']))
        nets, seconds, outputs = 0, 0.0, None
        while nets < 1 or seconds < sizes['minSeconds']:
            net, opt = make(seed)
            seconds += timed(lambda: train(net, opt, sizes['xorEpochs']))
            if nets == 0:
                with torch.no_grad():
                    outputs = net(x).flatten().tolist()
            nets += 1
        emit({'seconds': seconds, 'nets': nets, 'outputs': outputs})
        return

    if workload in ('fashion', 'cnn'):
        d = job['data']
        feats = d['features']
        raw = torch.from_numpy(__import__('numpy').fromfile(d['path'], dtype='<f4'))
        ends = [d['trainCount'] * feats, d['trainCount'], d['testCount'] * feats, d['testCount']]
        parts, at = [], 0
        for n in ends:
            parts.append(raw[at:at + n])
            at += n
        if at != raw.numel():
            raise ValueError(f'fashion data file holds {raw.numel()} values, expected {at}')
        train_x = parts[0].reshape(d['trainCount'], feats)
        train_y = parts[1].long()
        test_x = parts[2].reshape(d['testCount'], feats)
        test_y = parts[3].long()
        if workload == 'cnn':
            hp = job['cnn']
            batch = hp['batchSize']
            c1, c2 = hp['channels']
            k = hp['kernel']
            nn = torch.nn

            def make_cnn(s):
                # PyTorch's default initialisation (kaiming-uniform), as backprop's Conv2d and Dense use.
                torch.manual_seed(s)
                net = nn.Sequential(nn.Conv2d(1, c1, k, padding='same'), nn.ReLU(), nn.MaxPool2d(2),
                                    nn.Conv2d(c1, c2, k, padding='same'), nn.ReLU(), nn.MaxPool2d(2),
                                    nn.Flatten(), nn.Linear(c2 * 7 * 7, hp['classes']))
                return net, torch.optim.Adam(net.parameters(), lr=hp['learningRate'])

            def cnn_epoch(net, opt, xs, ys, generator):
                order = torch.randperm(xs.shape[0], generator=generator)
                for i in range(0, xs.shape[0], batch):
                    idx = order[i:i + batch]
                    opt.zero_grad(set_to_none=True)
                    F.cross_entropy(net(xs[idx]), ys[idx]).backward()
                    opt.step()

            images = train_x.reshape(-1, 1, 28, 28)
            warm_n = min(d['trainCount'], hp['warmupBatches'] * batch)
            warm, warm_opt = make_cnn(seed)
            cnn_epoch(warm, warm_opt, images[:warm_n], train_y[:warm_n], torch.Generator().manual_seed(seed))
            del warm, warm_opt
            net, opt = make_cnn(seed)
            gen = torch.Generator().manual_seed(seed)
            seconds = timed(lambda: cnn_epoch(net, opt, images, train_y, gen))
            with torch.no_grad():
                acc = (net(test_x.reshape(-1, 1, 28, 28)).argmax(1) == test_y).float().mean().item()
            emit({'seconds': seconds, 'accuracy': acc})
            return
        hp = job['fashion']
        batch = hp['batchSize']

        def make(s):
            torch.manual_seed(s)
            net = torch.nn.Sequential(torch.nn.Linear(feats, hp['hidden']), torch.nn.ReLU(), torch.nn.Linear(hp['hidden'], hp['classes']))
            # Glorot/Xavier uniform weights and zero biases, like backprop's init 'xavier' and tfjs's glorotUniform.
            for layer in (net[0], net[2]):
                torch.nn.init.xavier_uniform_(layer.weight)
                torch.nn.init.zeros_(layer.bias)
            return net, torch.optim.Adam(net.parameters(), lr=hp['learningRate'])

        def epoch(net, opt, xs, ys, generator):
            # One reshuffled pass in batches of 64 (the last one partial), softmax + cross-entropy
            # on the logits (F.cross_entropy: log-softmax and the negative log-likelihood, fused).
            order = torch.randperm(xs.shape[0], generator=generator)
            for i in range(0, xs.shape[0], batch):
                idx = order[i:i + batch]
                opt.zero_grad(set_to_none=True)
                F.cross_entropy(net(xs[idx]), ys[idx]).backward()
                opt.step()

        warm_n = min(d['trainCount'], sizes['fashionWarmupBatches'] * batch)
        warm, warm_opt = make(seed)
        epoch(warm, warm_opt, train_x[:warm_n], train_y[:warm_n], torch.Generator().manual_seed(seed))
        del warm, warm_opt
        net, opt = make(seed)
        gen = torch.Generator().manual_seed(seed)
        seconds = timed(lambda: epoch(net, opt, train_x, train_y, gen))
        with torch.no_grad():
            acc = (net(test_x).argmax(1) == test_y).float().mean().item()
        emit({'seconds': seconds, 'accuracy': acc})
        return

    if workload == 'lstm':
        # issue 12: LSTM(32) on 20 steps x 8 features, a linear head over 4 classes, Adam, batches of 32.
        d = job['data']
        hp = job['lstm']
        steps, feats, classes, batch = hp['steps'], hp['features'], hp['classes'], hp['batchSize']
        raw = torch.from_numpy(__import__('numpy').fromfile(d['path'], dtype='<f4'))
        ends = [d['trainCount'] * steps * feats, d['trainCount'], d['testCount'] * steps * feats, d['testCount']]
        parts, at = [], 0
        for n in ends:
            parts.append(raw[at:at + n])
            at += n
        if at != raw.numel():
            raise ValueError(f'lstm data file holds {raw.numel()} values, expected {at}')
        train_x = parts[0].reshape(d['trainCount'], steps, feats)
        train_y = parts[1].long()
        test_x = parts[2].reshape(d['testCount'], steps, feats)
        test_y = parts[3].long()

        class Classifier(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = torch.nn.LSTM(feats, hp['hidden'], batch_first=True)
                self.head = torch.nn.Linear(hp['hidden'], classes)

            def forward(self, x):
                _, (h, _) = self.lstm(x)
                return self.head(h[0])

        def make(s):
            torch.manual_seed(s)
            net = Classifier()
            return net, torch.optim.Adam(net.parameters(), lr=hp['learningRate'])

        def epochs(net, opt, xs, ys, count, generator):
            for _ in range(count):
                order = torch.randperm(xs.shape[0], generator=generator)
                for i in range(0, xs.shape[0], batch):
                    idx = order[i:i + batch]
                    opt.zero_grad(set_to_none=True)
                    F.cross_entropy(net(xs[idx]), ys[idx]).backward()
                    opt.step()

        warm_n = min(d['trainCount'], sizes['lstmWarmupBatches'] * batch)
        warm, warm_opt = make(seed)
        epochs(warm, warm_opt, train_x[:warm_n], train_y[:warm_n], 1, torch.Generator().manual_seed(seed))
        del warm, warm_opt
        net, opt = make(seed)
        gen = torch.Generator().manual_seed(seed)
        seconds = timed(lambda: epochs(net, opt, train_x, train_y, sizes['lstmEpochs'], gen))
        with torch.no_grad():
            acc = (net(test_x).argmax(1) == test_y).float().mean().item()
        emit({'seconds': seconds, 'accuracy': acc})
        return

    if workload == 'matmul':
        n = int(job['n'])
        g = torch.Generator().manual_seed(1)
        a = torch.rand(n, n, generator=g) * 2 - 1
        b = torch.rand(n, n, generator=g) * 2 - 1
        # The loop of bench/common.ts rate(): warm-up, then at least 3 products and minSeconds.
        for _ in range(int(job['warmup'])):
            a @ b
        gc.collect()
        reps, t0 = 0, clock()
        elapsed = 0.0
        while reps < 3 or elapsed < sizes['minSeconds']:
            a @ b
            reps += 1
            elapsed = clock() - t0
        emit({'perSec': reps / elapsed})
        return

    raise ValueError(f'unknown workload {workload!r}')


def blas_library(torch):
    """The BLAS library file this process mapped after a product (Linux), else 'unknown'."""
    a = torch.ones(64, 64)
    a @ a
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
        found = sorted(os.path.realpath(p) for p in libs)
    except OSError:
        return 'unknown'
    if not found:
        return 'none mapped (torch\'s own kernels)'
    names = ', '.join(found)
    # Debian's netlib reference BLAS (the libblas3 alternative, /usr/lib/<arch>/blas/): unoptimised
    # loops, several times slower than OpenBLAS, which libtorch1.13 recommends.
    fast = ('openblas', 'blis', 'atlas', 'mkl')
    if not any(f in n.lower() for n in found for f in fast) and any('/blas/libblas.so' in n for n in found):
        names += ' (the reference netlib BLAS: slow; libtorch recommends libopenblas0)'
    return names


if __name__ == '__main__':
    try:
        main()
    except Exception as e:
        emit({'error': f'{type(e).__name__}: {e}'.split('\n')[0]})
