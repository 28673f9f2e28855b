#!/usr/bin/env bash
# The README "Recommendation" cold-start figure: MovieLens (dslabs) with genres and year as item features; 10 % of the
# films (seeded) never seen in training, placed by the item tower, ranked for the users who liked them.
# usage: scripts/cold_start_figure.sh [OUT_DIR] [more train options, e.g. --seed 1]
#        (needs R with r-cran-dslabs, python3 and a Release build of src/TripletSharp.Cli; the data stays in OUT_DIR)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-/tmp/cold-start-figure}"
shift $(( $# > 0 ? 1 : 0 ))
triplet=(dotnet "$here/src/TripletSharp.Cli/bin/Release/net10.0/triplet.dll")
mkdir -p "$out"
Rscript "$here/scripts/movielens-export.R" "$out/ratings.csv"
Rscript "$here/scripts/movielens-item-features.R" "$out/items.csv"
python3 "$here/scripts/cold_start.py" split "$out/ratings.csv" "$out" --share 0.1 --seed 0
rm -rf "$out/run"
uptime
start=$(date +%s)
"${triplet[@]}" train --data "$out/warm.csv" --format interactions --item-features "$out/items.csv" --item-categorical genres --out "$out/run" --progress quiet "$@"
echo "train: $(( $(date +%s) - start )) s wall"
python3 "$here/scripts/cold_start.py" eval "$out/ratings.csv" "$out" "$out/run/model" "$out/items.csv"
uptime
