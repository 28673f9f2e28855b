#!/usr/bin/env python3
"""Writes the bundled Fashion-MNIST sample as two CSVs of pixel vectors (standard library only):

  fine.csv  label = the fine class            (single-label)
  multi.csv label = fine class | super-label  (multi-label: tops = T-shirt/top, Pullover, Coat, Shirt;
                                              footwear = Sandal, Sneaker, Ankle boot; Trouser, Dress, Bag keep one label)

Items are the 10,000 train then 2,000 test images of data/fashion-mnist-sample, in file order, pixels scaled to [0, 1]
with 3 decimals. Usage: python3 tools/multilabel-sample/fashion_multilabel.py OUT_DIR
"""
import gzip, os, struct, sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "data", "fashion-mnist-sample")
SUPER = {"T-shirt/top": "tops", "Pullover": "tops", "Coat": "tops", "Shirt": "tops",
         "Sandal": "footwear", "Sneaker": "footwear", "Ankle boot": "footwear"}


def read(name):
    with gzip.open(os.path.join(ROOT, name)) as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = [struct.unpack(">I", data[4 + 4 * i:8 + 4 * i])[0] for i in range(magic & 0xFF)]
    return dims, data[4 + 4 * len(dims):]


def main(out):
    os.makedirs(out, exist_ok=True)
    classes = open(os.path.join(ROOT, "classes.txt")).read().split("\n")
    classes = [c for c in classes if c]
    rows = []
    for part in ("train", "t10k"):
        (n, h, w), pixels = read(f"{part}-images-idx3-ubyte.gz")
        _, labels = read(f"{part}-labels-idx1-ubyte.gz")
        for i in range(n):
            rows.append((classes[labels[i]], pixels[i * h * w:(i + 1) * h * w]))
    header = "label," + ",".join(f"p{j}" for j in range(len(rows[0][1]))) + "\n"
    scale = [f"{v / 255:.3f}".rstrip("0").rstrip(".") for v in range(256)]
    for name, multi in (("fine.csv", False), ("multi.csv", True)):
        with open(os.path.join(out, name), "w") as f:
            f.write(header)
            for fine, px in rows:
                label = f"{fine}|{SUPER[fine]}" if multi and fine in SUPER else fine
                f.write(f"\"{label}\"," + ",".join(scale[v] for v in px) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "multilabel-data")
