# Independent reference for the ONNX prefix test (trainers/test/onnx-prefix.test.ts): the VGG16 conv base up
# to a cut, computed by PyTorch in float64 from the same weights and inputs. Nothing is shared with the
# ONNX writer or onnxruntime, so a wrong layout, padding or pooling in either shows up as a mismatch.
# DIR holds meta.json ({n, size, cut, layers: [{kind, name, kernelShape}]}), x.f32 (NHWC inputs) and
# <layer>.kernel.f32 (HWIO, as Keras stores it) / <layer>.bias.f32; writes features.f32 (NHWC, float32).
import json, os, sys
import numpy as np
import torch
import torch.nn.functional as F

def main():
    d = sys.argv[1]
    torch.set_num_threads(int(os.environ.get('REF_THREADS', '1')))
    meta = json.load(open(os.path.join(d, 'meta.json')))
    n, s = meta['n'], meta['size']
    x = np.fromfile(os.path.join(d, 'x.f32'), dtype=np.float32).reshape(n, s, s, 3)
    t = torch.from_numpy(x).double().permute(0, 3, 1, 2)  # NHWC -> NCHW
    for layer in meta['layers']:
        name = layer['name']
        if layer['kind'] == 'conv':
            kh, kw, cin, cout = layer['kernelShape']
            k = np.fromfile(os.path.join(d, name + '.kernel.f32'), dtype=np.float32).reshape(kh, kw, cin, cout)
            b = np.fromfile(os.path.join(d, name + '.bias.f32'), dtype=np.float32)
            weight = torch.from_numpy(k.transpose(3, 2, 0, 1).copy()).double()  # HWIO -> OIHW
            # Keras 'same' for a 3x3 stride-1 conv is one pixel of zeros on every side.
            t = torch.relu(F.conv2d(t, weight, torch.from_numpy(b).double(), padding=1))
        else:
            t = F.max_pool2d(t, kernel_size=2, stride=2)  # 'valid': odd sizes drop the last row/column
        if name == meta['cut']:
            break
    out = t.permute(0, 2, 3, 1).contiguous().float().numpy()
    out.tofile(os.path.join(d, 'features.f32'))
    print(json.dumps({'shape': list(out.shape)}))

main()
