# PyTorch reference for `npm run bench:parity`: retrains the trainer's Dense head from the SAME
# inputs the tfjs trainer used, so any gap in the per-epoch curves is the trainer's doing.
# Inputs (written by bench/trainer-parity.ts into DIR, see meta.json there):
#   train_x.f32 / val_x.f32  frozen-prefix features (NHWC, already flattened the tfjs way), float32
#   train_y.f32 / val_y.f32  0/1 targets
#   head_dense_kernel.f32 ...  initial head weights in tfjs layout (kernel [in, out])
#   meta.json                shapes, lr, epsilon, batch size and the per-epoch shuffled order
#   dropout_masks.f32        with dropout > 0: the trainer's inverted-dropout masks, in training order
# Everything is done by hand rather than with nn.Linear / nn.BCELoss / optim.RMSprop because
# tfjs differs from torch in exactly the places that would hide or fake a mismatch:
#   - RMSprop: tfjs divides by sqrt(ms + eps) (eps INSIDE the root); torch by sqrt(ms) + eps.
#   - binaryCrossentropy: tfjs clips p to [eps, 1-eps] and goes back to logits; torch's
#     BCELoss clamps log(p) at -100 instead.
#   - Dense kernels are [in, out] in tfjs; using them as-is with x @ W avoids a transpose.
# Run with /usr/bin/python3 (Debian torch) and MALLOC_*_THRESHOLD_ set high. Prints one JSON object.
import json, os, sys
import numpy as np
import torch

def load(d, name, shape):
    a = np.fromfile(os.path.join(d, name), dtype=np.float32)
    return torch.from_numpy(a.reshape(shape).copy())

def main():
    d = sys.argv[1]
    torch.set_num_threads(int(os.environ.get('PARITY_THREADS', '2')))
    meta = json.load(open(os.path.join(d, 'meta.json')))
    dtype = torch.float64 if meta.get('float64') else torch.float32
    f = meta['featureLength']
    xtr = load(d, 'train_x.f32', (meta['nTrain'], f)).to(dtype)
    ytr = load(d, 'train_y.f32', (meta['nTrain'], 1)).to(dtype)
    xva = load(d, 'val_x.f32', (meta['nVal'], f)).to(dtype)
    yva = load(d, 'val_y.f32', (meta['nVal'], 1)).to(dtype)
    units = meta['units']
    params = [
        load(d, 'head_dense_kernel.f32', (f, units)),
        load(d, 'head_dense_bias.f32', (units,)),
        load(d, 'head_output_kernel.f32', (units, 1)),
        load(d, 'head_output_bias.f32', (1,)),
    ]
    params = [p.to(dtype).requires_grad_(True) for p in params]
    eps, lr, rho = meta['epsilon'], meta['lr'], meta['rho']
    ms = [torch.zeros_like(p) for p in params]  # tfjs RMSprop accumulators start at zero

    masks = None
    if meta.get('dropout', 0) > 0:
        masks = load(d, 'dropout_masks.f32', (-1, units)).to(dtype)
    used = 0

    def forward(x, mask=None):
        w1, b1, w2, b2 = params
        h = torch.relu(x @ w1 + b1)
        if mask is not None:
            h = h * mask
        return torch.sigmoid(h @ w2 + b2)

    def loss_fn(p, y):
        # tfjs-layers binaryCrossentropy: clip, back to logits, stable sigmoid CE, mean.
        p = torch.clamp(p, eps, 1 - eps)
        z = torch.log(p / (1 - p))
        return (torch.relu(z) - z * y + torch.log1p(torch.exp(-torch.abs(z)))).mean()

    def acc_fn(p, y):
        return ((p > 0.5).to(dtype) == y).to(dtype).mean()  # tfjs binaryAccuracy: strict > 0.5

    epochs = []
    bs = meta['batch']
    for e, order in enumerate(meta['orders'], start=1):
        tl = ta = 0.0
        for s in range(0, len(order), bs):
            idx = torch.tensor(order[s:s + bs])
            x, y = xtr[idx], ytr[idx]
            mask = None
            if masks is not None:
                mask = masks[used:used + len(idx)]
                used += len(idx)
            p = forward(x, mask)
            loss = loss_fn(p, y)
            for q in params:
                q.grad = None
            loss.backward()
            with torch.no_grad():
                for q, m in zip(params, ms):
                    m.mul_(rho).add_((1 - rho) * q.grad * q.grad)
                    q.sub_(lr * q.grad / torch.sqrt(m + eps))
                tl += loss.item() * len(idx)
                ta += acc_fn(p, y).item() * len(idx)
        with torch.no_grad():
            pv = forward(xva)
            epochs.append({'epoch': e, 'loss': tl / len(order), 'acc': ta / len(order),
                           'val_loss': loss_fn(pv, yva).item(), 'val_acc': acc_fn(pv, yva).item()})
    print(json.dumps({'torch': torch.__version__, 'dtype': str(dtype), 'epochs': epochs,
                      'final': {n: p.detach().to(torch.float32).numpy().ravel()[:4].tolist() for n, p in
                                zip(['head_dense_kernel', 'head_dense_bias', 'head_output_kernel', 'head_output_bias'], params)}}))

main()
