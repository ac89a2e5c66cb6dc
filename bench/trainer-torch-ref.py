# PyTorch reference for `npm run bench:trainer`: VGG16 conv base (include_top=False) forward,
# random weights, eval + no_grad, NCHW float32. Prints one JSON line per size.
# Run with /usr/bin/python3 and MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ set high (see bench).
import json, sys, time
import torch
from torch import nn

def vgg16_base():
    layers, c = [], 3
    for convs, f in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]:
        for _ in range(convs):
            layers += [nn.Conv2d(c, f, 3, padding=1), nn.ReLU(inplace=True)]
            c = f
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers).eval()

def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    sizes = [int(s) for s in (sys.argv[3] if len(sys.argv) > 3 else "150,48").split(",")]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = vgg16_base()
    for size in sizes:
        batch = 20
        x = torch.rand(batch, 3, size, size)
        with torch.no_grad():
            m(x)  # warm-up
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                m(x)
                n += batch
            dt = time.perf_counter() - t0
        print(json.dumps({"size": size, "images": n, "seconds": dt, "img_per_s": n / dt,
                          "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)

main()
