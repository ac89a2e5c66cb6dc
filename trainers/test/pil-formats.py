# Writes the same small image in every format Keras's flow_from_directory reads (PIL writes most;
# plain Netpbm and a 16-bit PPM are written by hand) and prints what PIL decodes each to, as
# {file: {mode, rgb (hex) | error}}. Run with Debian's /usr/bin/python3 (python3-pil).
import sys, os, random, json
from PIL import Image
out = sys.argv[1]
random.seed(3)
W = H = 12
rgb = Image.new('RGB', (W, H))
rgb.putdata([(random.randrange(256), random.randrange(256), random.randrange(256)) for _ in range(W*H)])
files = {}
def save(name, im, **kw):
    p = os.path.join(out, name); im.save(p, **kw); files[name] = None
save('rgb24.bmp', rgb)
save('rgba32.bmp', rgb.convert('RGBA'))
save('gray8.bmp', rgb.convert('L'))
save('pal8.bmp', rgb.convert('P', palette=Image.ADAPTIVE, colors=200))
save('bits1.bmp', rgb.convert('1'))
save('rgb.ppm', rgb)
save('gray.pgm', rgb.convert('L'))
save('bits.pbm', rgb.convert('1'))
save('rgb.tif', rgb)
# CMYK (load_img converts with PIL's formula, not an ICC profile)
cmyk = Image.new('CMYK', (W, H))
cmyk.putdata([tuple(random.randrange(256) for _ in range(4)) for _ in range(W*H)])
save('cmyk.tif', cmyk)
save('cmyk.jpg', cmyk, quality=100)
# hand-written plain and odd-maxval files
px = list(rgb.getdata())
with open(os.path.join(out, 'plain.ppm'), 'w') as f:
    f.write('P3\n# a comment\n%d %d\n15\n' % (W, H)); f.write('\n'.join('%d %d %d' % (r>>4, g>>4, b>>4) for r,g,b in px)); f.write('\n')
with open(os.path.join(out, 'plain.pgm'), 'w') as f:
    f.write('P2 %d %d 255\n' % (W, H)); f.write(' '.join(str(r) for r,g,b in px)); f.write('\n')
with open(os.path.join(out, 'plain.pbm'), 'w') as f:
    f.write('P1\n%d %d\n' % (W, H)); f.write('\n'.join(''.join('1' if r > 127 else '0' for r,g,b in px[y*W:(y+1)*W]) for y in range(H))); f.write('\n')
with open(os.path.join(out, 'max1000.ppm'), 'wb') as f:
    f.write(b'P6\n%d %d\n1000\n' % (W, H))
    for r,g,b in px:
        for v in (r*1000//255, g*1000//255, b*1000//255): f.write(v.to_bytes(2, 'big'))
files['plain.ppm']=files['plain.pgm']=files['plain.pbm']=files['max1000.ppm']=None
res = {}
for name in sorted(files):
    try:
        im = Image.open(os.path.join(out, name))
        res[name] = {'mode': im.mode, 'rgb': im.convert('RGB').tobytes().hex()}
    except Exception as e:
        res[name] = {'error': str(e)}
json.dump(res, sys.stdout)
