#!/usr/bin/env python3
"""Turns an IDX folder's training labels into a pairs file for `triplet train --tuples`.

Each of the first N training records i gets one same=1 pair (i, a random other record of its class) and one same=0
pair (i, a random record of another class), both named by record id (0-based row of train-images). Only these pair
labels reach the trainer; the class labels stay in the IDX files for the usual test-split evaluation.

usage: fashion_pairs.py IDX_FOLDER OUT.csv [--items N] [--seed S] [--positives P] [--negatives Q]
"""
import argparse, gzip, os, random, struct


def read_labels(folder):
    for name in ("train-labels-idx1-ubyte", "train-labels-idx1-ubyte.gz", "train-labels.idx1-ubyte"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rb") as f:
                magic, n = struct.unpack(">II", f.read(8))
                if magic != 2049:
                    raise SystemExit(f"{path}: not an IDX label file (magic {magic})")
                return list(f.read(n))
    raise SystemExit(f"{folder}: no train-labels-idx1-ubyte(.gz)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("out")
    ap.add_argument("--items", type=int, default=0, help="use the first N training records (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--positives", type=int, default=1, help="same=1 pairs per record")
    ap.add_argument("--negatives", type=int, default=1, help="same=0 pairs per record")
    a = ap.parse_args()
    labels = read_labels(a.folder)
    if a.items:
        labels = labels[: a.items]
    rng = random.Random(a.seed)
    by_class = {}
    for i, c in enumerate(labels):
        by_class.setdefault(c, []).append(i)
    classes = sorted(by_class)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("a,b,same\n")
        for i, c in enumerate(labels):
            for _ in range(a.positives):
                j = i
                while j == i:
                    j = rng.choice(by_class[c])
                f.write(f"{i},{j},1\n")
            for _ in range(a.negatives):
                other = rng.choice([k for k in classes if k != c])
                f.write(f"{i},{rng.choice(by_class[other])},0\n")
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
