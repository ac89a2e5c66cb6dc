# Writes RGB PNGs of the given sizes and, for each (file, target), what Keras's load_img gives:
# Image.open(f).convert('RGB').resize((t, t), Image.NEAREST). Prints {name: hex RGB}.
# Run with Debian's /usr/bin/python3 (python3-pil).
import json, os, random, sys
from PIL import Image
out = sys.argv[1]
cases = json.loads(sys.argv[2])  # [[w, h, target], ...]
random.seed(5)
res = {}
for w, h, t in cases:
    name = 'src-%dx%d.png' % (w, h)
    p = os.path.join(out, name)
    if not os.path.exists(p):
        im = Image.new('RGB', (w, h))
        im.putdata([(random.randrange(256), random.randrange(256), random.randrange(256)) for _ in range(w * h)])
        im.save(p)
    res['%s->%d' % (name, t)] = Image.open(p).convert('RGB').resize((t, t), Image.NEAREST).tobytes().hex()
json.dump(res, sys.stdout)
