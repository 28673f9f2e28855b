#!/usr/bin/env bash
# The README "Tuples" figure: Fashion-MNIST as pairs vs class labels, same model, budget, seed and threads.
# usage: scripts/tuples_figure.sh [OUT_DIR]   (needs a Release build of src/TripletSharp.Cli)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-/tmp/tuples-figure}"
data=/usr/share/datasets/fashion-mnist
triplet=(dotnet "$here/src/TripletSharp.Cli/bin/Release/net10.0/triplet.dll")
budget=(--epochs "${EPOCHS:-3}" --batches-per-epoch "${BATCHES:-150}" --seed 0 --threads 2 --no-report --progress quiet)
mkdir -p "$out"
python3 "$here/scripts/fashion_pairs.py" "$data" "$out/pairs.csv" --seed 0
echo "pairs: $(($(wc -l < "$out/pairs.csv") - 1))"
for run in classes pairs; do
  rm -rf "$out/$run"
  extra=()
  [ "$run" = pairs ] && extra=(--tuples "$out/pairs.csv")
  uptime
  start=$(date +%s)
  "${triplet[@]}" train --data "$data" "${budget[@]}" "${extra[@]}" --out "$out/$run"
  echo "$run: $(( $(date +%s) - start )) s wall"
  uptime
done
