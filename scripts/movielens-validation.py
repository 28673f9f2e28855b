#!/usr/bin/env python3
"""Writes the MovieLens validation file used to choose the CML settings: ratings.csv without each user's latest
positive (rating >= 4; ties keep file order), so that 'triplet train --split leave-last-out' on it holds out the
second-to-last positive and the test interaction is never seen while tuning.
   python3 scripts/movielens-validation.py data/movielens/ratings.csv data/movielens/validation.csv"""
import csv
import sys

src, dst = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(src, newline="")))
last = {}
for i, r in enumerate(rows):
    if float(r["rating"]) >= 4:
        t = float(r["timestamp"])
        if r["userId"] not in last or t >= last[r["userId"]][0]:
            last[r["userId"]] = (t, i)
drop = {i for _, i in last.values()}
with open(dst, "w", newline="") as f:
    f.write("userId,movieId,rating,timestamp\n")
    for i, r in enumerate(rows):
        if i not in drop:
            f.write(f"{r['userId']},{r['movieId']},{r['rating']},{r['timestamp']}\n")
print(f"wrote {len(rows) - len(drop)} of {len(rows)} ratings to {dst}")
