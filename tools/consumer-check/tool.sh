#!/usr/bin/env bash
# The .NET tool check (issue 9, item 8): pack TripletSharp.Cli into a temporary local source, install it with
# `dotnet tool install --tool-path`, and check that `triplet --help` works and that the installed tool trains one short
# epoch on its bundled sample (so libtorch loads from the tool's own, already patched, libLibTorchSharp.so).
# Exits non-zero on any failure. Takes about 1.5 minutes on 2 cores (the linux-x64 tool package is 140 MB).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
start=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/tripletsharp-tool.XXXXXX")"
case "$work" in "$repo"/*) echo "tool check: temp folder $work is inside the repository" >&2; exit 1;; esac
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
trap 'rm -rf "$work" "$cache"/tripletsharp.cli "$cache"/tripletsharp.cli.linux-x64' EXIT

echo "tool check: packing TripletSharp.Cli into $work/feed"
dotnet pack "$repo/src/TripletSharp.Cli/TripletSharp.Cli.csproj" -c Release -o "$work/feed" --nologo -v quiet
ls -l "$work/feed"
rm -rf "$cache"/tripletsharp.cli "$cache"/tripletsharp.cli.linux-x64   # never install a stale copy of the same version
dotnet tool install --tool-path "$work/bin" --add-source "$work/feed" TripletSharp.Cli
"$work/bin/triplet" --help | grep -q "Usage:" || { echo "tool check: FAIL: triplet --help" >&2; exit 1; }
echo "tool check: triplet --version $("$work/bin/triplet" --version)"
cd "$work"
"$work/bin/triplet" train --epochs 1 --max-train-items 640 --max-test-items 200 --threads 2 --out "$work/run" --progress quiet --no-report
test -f "$work/run/metrics.json" || { echo "tool check: FAIL: no metrics.json" >&2; exit 1; }
echo "tool check: OK, $(( $(date +%s) - start )) s"
