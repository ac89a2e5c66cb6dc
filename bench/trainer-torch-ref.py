# PyTorch reference for `npm run bench:trainer` (Debian python3-torch, random weights, float32,
# NCHW). Prints one JSON line per measurement. Run with /usr/bin/python3 and
# MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ set high (see the bench).
#   forward  THREADS SECONDS SIZES   VGG16 conv base (include_top=False) forward, eval + no_grad
#   finetune THREADS SECONDS SIZE    block-5 fine-tuning step on cached block4_pool features:
#                                    block5 convs + Flatten/Dense 256 relu/Dense 1 sigmoid,
#                                    BCE, RMSprop lr 1e-5 (what the trainer's fine-tune phase runs)
#   peak     THREADS SECONDS         FP32 GEMM throughput (4096^2 sgemm), the machine's practical peak
import json, sys, time
import torch
from torch import nn

def vgg_block(c, f, convs):
    layers = []
    for _ in range(convs):
        layers += [nn.Conv2d(c, f, 3, padding=1), nn.ReLU(inplace=True)]
        c = f
    layers.append(nn.MaxPool2d(2, 2))
    return layers

def vgg16_base():
    layers, c = [], 3
    for convs, f in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]:
        layers += vgg_block(c, f, convs)
        c = f
    return nn.Sequential(*layers).eval()

def timed(step, per_call, seconds):
    step()  # warm-up
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += per_call
    return n, time.perf_counter() - t0

def forward(seconds, sizes):
    m = vgg16_base()
    for size in sizes:
        batch = 20
        x = torch.rand(batch, 3, size, size)
        with torch.no_grad():
            n, dt = timed(lambda: m(x), batch, seconds)
        emit(mode="forward", size=size, images=n, seconds=dt, img_per_s=n / dt)

def finetune(seconds, size):
    fm = size // 16  # block4_pool output side
    out = fm // 2
    model = nn.Sequential(*vgg_block(512, 512, 3), nn.Flatten(), nn.Linear(out * out * 512, 256), nn.ReLU(), nn.Linear(256, 1), nn.Sigmoid())
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-5, alpha=0.9, eps=1e-7)  # Keras's rho/epsilon
    batch = 20
    x = torch.rand(batch, 512, fm, fm)
    y = torch.randint(0, 2, (batch, 1)).float()
    loss_fn = nn.BCELoss()
    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    n, dt = timed(step, batch, seconds)
    emit(mode="finetune", size=size, images=n, seconds=dt, img_per_s=n / dt)

def peak(seconds):
    a, b = torch.rand(4096, 4096), torch.rand(4096, 4096)
    n, dt = timed(lambda: torch.mm(a, b), 1, seconds)
    emit(mode="peak", gflops=n * 2 * 4096 ** 3 / dt / 1e9, seconds=dt)

def emit(**kw):
    print(json.dumps({**kw, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)

def main():
    mode, threads, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if mode == "forward":
        forward(seconds, [int(s) for s in sys.argv[4].split(",")])
    elif mode == "finetune":
        finetune(seconds, int(sys.argv[4]))
    elif mode == "peak":
        peak(seconds)
    else:
        raise SystemExit(f"unknown mode {mode}")

main()
