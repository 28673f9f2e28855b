#!/usr/bin/env python3
"""Cold-start figure for the item tower (README "Recommendation"): items never seen in training, placed by their features.
   python3 scripts/cold_start.py split RATINGS.csv OUT_DIR [--share 0.1] [--seed 0]
       writes OUT_DIR/warm.csv (the ratings without the cold films) and OUT_DIR/cold.txt (the cold film ids)
   python3 scripts/cold_start.py eval RATINGS.csv OUT_DIR MODEL_DIR ITEMS.csv [--threshold 4]
       ranks the cold films for every user with a cold positive (rating >= threshold) by distance to the user's vector;
       a cold film's vector is the model's saved item tower applied to its features (recommender.json schema +
       tower.f32), computed here in plain float64 as the tests' reference does (CmlModel.PlaceItems in the library).
       Baselines on the same cold catalogue: random (exact expectation), genre popularity (a film scores the mean
       training positive count of its genres) and, as an upper reference that sees the held-out ratings, oracle popularity."""
import csv, json, math, random, struct, sys
from collections import Counter, defaultdict

def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default

def split(ratings, out):
    share, seed = arg("--share", 0.1), arg("--seed", 0)
    rows = list(csv.DictReader(open(ratings, newline="")))
    films = sorted({r["movieId"] for r in rows}, key=lambda s: (len(s), s))
    cold = set(random.Random(seed).sample(films, round(share * len(films))))
    with open(f"{out}/warm.csv", "w", newline="") as f:
        f.write("userId,movieId,rating,timestamp\n")
        for r in rows:
            if r["movieId"] not in cold:
                f.write(f"{r['userId']},{r['movieId']},{r['rating']},{r['timestamp']}\n")
    open(f"{out}/cold.txt", "w").write("\n".join(sorted(cold, key=lambda s: (len(s), s))) + "\n")
    print(f"{len(cold)} of {len(films)} films cold; {sum(r['movieId'] not in cold for r in rows)} of {len(rows)} ratings kept")

def floats(path):
    b = open(path, "rb").read()
    return struct.unpack(f"<{len(b) // 4}f", b)

def metrics(ranked, relevant, k):
    rec = ndcg = 0.0
    for lst, rel in zip(ranked, relevant):
        found = [i for i in lst[:k] if i in rel]
        rec += len(found) / len(rel)
        dcg = sum(1 / math.log2(r + 2) for r, i in enumerate(lst[:k]) if i in rel)
        ndcg += dcg / sum(1 / math.log2(r + 2) for r in range(min(k, len(rel))))
    return rec / len(ranked), ndcg / len(ranked)

def evaluate(ratings, out, model_dir, items_csv):
    threshold = arg("--threshold", 4.0)
    cold = [l.strip() for l in open(f"{out}/cold.txt") if l.strip()]
    m = json.load(open(f"{model_dir}/recommender.json"))
    d, tower = m["dimension"], m["item_features"]
    schema = tower["schema"]
    w = floats(f"{model_dir}/{tower['weights']}")
    users = {u: x for x, u in enumerate(m["users"])}
    uv = floats(f"{model_dir}/users.f32")
    feats = {r[schema["id_column"]]: r for r in csv.DictReader(open(items_csv, newline=""))}
    values = [[f"{c}={v}" for v in vs] for c, vs in zip(schema["categorical_columns"], schema["categorical_values"])]
    names = schema["numeric_columns"] + [n for vs in values for n in vs] + ["(no features)"]
    sizes = [len(names)] + tower["hidden"] + [d]

    def encode(r):
        x = [(float(r[c]) - mu) / s for c, mu, s in zip(schema["numeric_columns"], schema["means"], schema["scales"])]
        for c, vs in zip(schema["categorical_columns"], schema["categorical_values"]):
            have = {v.strip() for v in r[c].split(schema["separator"])}
            x += [1.0 if v in have else 0.0 for v in vs]
        return x + [0.0]

    def place(x):
        at = 0
        for layer in range(len(sizes) - 1):
            n_in, n_out = sizes[layer], sizes[layer + 1]
            W, b = w[at:at + n_in * n_out], w[at + n_in * n_out:at + n_in * n_out + n_out]
            at += n_in * n_out + n_out
            x = [b[o] + sum(W[o * n_in + i] * x[i] for i in range(n_in)) for o in range(n_out)]
            if layer < len(sizes) - 2:
                x = [max(0.0, v) for v in x]
        norm = max(1.0, math.sqrt(sum(v * v for v in x)))
        return [v / norm for v in x]

    placed = [place(encode(feats[c])) for c in cold]
    index = {c: j for j, c in enumerate(cold)}
    rows = list(csv.DictReader(open(ratings, newline="")))
    positives = defaultdict(set)
    warm_counts, genre_counts = Counter(), Counter()
    for r in rows:
        if float(r["rating"]) >= threshold:
            if r["movieId"] in index:
                positives[r["userId"]].add(index[r["movieId"]])
            else:
                warm_counts[r["movieId"]] += 1
    for film, n in warm_counts.items():
        for g in feats[film]["genres"].split("|"):
            genre_counts[g] += n
    evaluated = [u for u in sorted(positives, key=lambda s: (len(s), s)) if u in users]
    relevant = [positives[u] for u in evaluated]
    cml = []
    for u in evaluated:
        x = users[u]
        v = uv[x * d:(x + 1) * d]
        dist = [sum((a - b) ** 2 for a, b in zip(v, p)) for p in placed]
        cml.append(sorted(range(len(cold)), key=lambda j: (dist[j], j)))
    def genre_score(c):
        gs = feats[c]["genres"].split("|")
        return sum(genre_counts[g] for g in gs) / len(gs)
    genre = sorted(range(len(cold)), key=lambda j: (-genre_score(cold[j]), j))
    cold_counts = Counter(j for rel in relevant for j in rel)
    oracle = sorted(range(len(cold)), key=lambda j: (-cold_counts[j], j))
    n = len(cold)
    print(f"cold films {n}; users with a cold positive {len(evaluated)}; cold positives {sum(map(len, relevant))}")
    print("recommender            recall@10  ndcg@10  recall@50  ndcg@50")
    for name, ranked in [("cml + item tower", cml), ("genre popularity", [genre] * len(evaluated)), ("oracle popularity*", [oracle] * len(evaluated))]:
        r10, n10 = metrics(ranked, relevant, 10)
        r50, n50 = metrics(ranked, relevant, 50)
        print(f"{name:<22} {r10:9.4f} {n10:8.4f} {r50:10.4f} {n50:8.4f}")
    print(f"{'random (expected)':<22} {10 / n:9.4f} {'':8} {50 / n:10.4f}")
    print("* oracle popularity ranks the cold films by their held-out positive counts: an upper reference, not a baseline.")

if __name__ == "__main__":
    if sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3])
    else:
        evaluate(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
