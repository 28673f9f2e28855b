#!/usr/bin/env bash
# Published self-contained sizes (issue 11 §2/§3): `triplet` (the service on TorchSharp, libtorch included; the same
# binary serves --onnx) and onnx-embed (ASP.NET Core + TripletSharp.Onnx, no libtorch). linux-x64, Release, offline:
# the runtime packs (Microsoft.NETCore.App.Runtime / Microsoft.AspNetCore.App.Runtime linux-x64) come from the NuGet
# cache or the package registry. Prints du -sh of each folder and of its largest native libraries.
#   tools/publish-size/run.sh [OUT]   (default OUT: a temporary folder, removed at the end)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
out="${1:-}"
if [ -z "$out" ]; then out="$(mktemp -d "${TMPDIR:-/tmp}/tripletsharp-publish.XXXXXX")"; trap 'rm -rf "$out"' EXIT; fi
dotnet publish "$repo/src/TripletSharp.Cli/TripletSharp.Cli.csproj" -c Release -r linux-x64 --self-contained -o "$out/triplet" --nologo -v quiet
dotnet publish "$repo/tools/publish-size/onnx-embed/OnnxEmbed.csproj" -c Release -r linux-x64 --self-contained -o "$out/onnx-embed" --nologo -v quiet
for d in triplet onnx-embed; do
  echo "== $d: $(du -sh "$out/$d" | cut -f1) in $(find "$out/$d" -type f | wc -l) files"
  find "$out/$d" -type f -size +5M -printf '%s %P\n' | sort -rn | awk '{ printf "   %7.1f MiB  %s\n", $1 / 1048576, $2 }'
done
