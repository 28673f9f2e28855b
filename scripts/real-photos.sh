#!/usr/bin/env bash
# The README "Real photos" figure: ResNet-18 on Fashion-MNIST as 3-channel PNG photos, read lazily from files and
# augmented (light) on worker threads, from scratch and with --freeze-backbone-epochs 1, a short 128×128 run for
# the data share at that size, and the scratch budget read eagerly without augmentation. Usage: scripts/real-photos.sh [PNG_DIR] [OUT_DIR]   (PNG_DIR made by scripts/fmnist-to-png)
set -euo pipefail
png=${1:-/tmp/fm-png}
out=${2:-/tmp/real-photos}
triplet=${TRIPLET:-$(dirname "$0")/../src/TripletSharp.Cli/bin/Release/net10.0/triplet}
[ -d "$png/train" ] || "$(dirname "$0")/fmnist-to-png" --out "$png" --train-per-class 300 --test-per-class 100
rm -rf "$out"; mkdir -p "$out"
common=(--data "$png" --model resnet18 --color --classes-per-batch 8 --samples-per-class 4
        --threads 2 --seed 1 --progress plain --no-report)
piped=(--lazy --augment light)
run() {
  local name=$1; shift
  echo "== $name: $* (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
  local t0=$SECONDS
  "$triplet" train "${common[@]}" "$@" --out "$out/$name" 2>&1 | grep -v " batch [0-9]*/" || true
  echo "== $name: $((SECONDS - t0)) s wall (load after: $(cut -d' ' -f1-3 /proc/loadavg))"
}
run scratch "${piped[@]}" --image-size 64 --epochs 2 --batches-per-epoch 8 --max-test-items 500
run frozen  "${piped[@]}" --image-size 64 --epochs 2 --batches-per-epoch 8 --max-test-items 500 --freeze-backbone-epochs 1
run size128 "${piped[@]}" --image-size 128 --epochs 1 --batches-per-epoch 3 --max-test-items 20
# The same budget as "scratch" with every image decoded into memory first and no augmentation: the step without the
# worker threads beside it.
run eager --image-size 64 --epochs 2 --batches-per-epoch 8 --max-test-items 500
