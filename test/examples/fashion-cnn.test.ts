// The Fashion-MNIST CNN example meets its own check on a subset (2,000 training images, 3 epochs),
// so it runs in well under a minute; it skips where the dataset is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haveFashion, main } from '../../examples/fashion-cnn.js';

test('example fashion-cnn meets its own check on a subset', { skip: !haveFashion() && 'dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist, or set BACKPROP_FASHION_MNIST)' }, () => {
  const { checks, report } = main({ train: 2000, test: 1000, epochs: 3, target: 0.7 });
  for (const [what, ok] of checks) assert.ok(ok, `${what}\n${report.join('\n')}`);
});
