#!/usr/bin/env bash
# The consumer-app check (issue 9, item 8): pack TripletSharp into a temporary local source, create a console app in
# a temporary folder OUTSIDE the repository that references only the package (plus TorchSharp-cpu, which the package
# README tells users to add), build and run it: the README's Library snippet (one short epoch on a slice of the
# bundled sample, prints P@1) and a PML-style loop (miner.Mine -> loss.Compute -> its own Adam step, loss must fall).
# Exits non-zero on any failure. Offline-safe: restore uses the normal NuGet cache (no new downloads once the repo's
# own restore has run) plus the temporary local source.
#   tools/consumer-check/run.sh            short run (~1-2 min on 2 cores)
#   CONSUMER_CHECK_FULL=1 tools/consumer-check/run.sh   the snippet unchanged: 12 epochs on the whole sample
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
start=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/tripletsharp-consumer.XXXXXX")"
case "$work" in "$repo"/*) echo "consumer check: temp folder $work is inside the repository" >&2; exit 1;; esac
trap 'rm -rf "$work"' EXIT
feed="$work/feed"; app="$work/app"
mkdir -p "$feed" "$app"

echo "consumer check: packing TripletSharp into $feed"
dotnet pack "$repo/src/TripletSharp/TripletSharp.csproj" -c Release -o "$feed" --nologo -v quiet
pkg="$(ls "$feed"/TripletSharp.*.nupkg | grep -v '\.snupkg$' | head -n1)"
version="$(basename "$pkg" .nupkg)"; version="${version#TripletSharp.}"
echo "consumer check: package $(basename "$pkg")"

cp "$repo"/tools/consumer-check/app/*.cs "$repo"/tools/consumer-check/app/*.csproj "$app/"
# The app's own NuGet.config: the local feed for TripletSharp, nuget.org for the rest (already in the cache), and a
# package source mapping so TripletSharp can come only from the local feed, never from a same-named remote package.
cat > "$app/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="TripletSharp" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
# A copy of TripletSharp 0.x already in the global cache under the same version would hide this pack; remove it.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/tripletsharp/$version"

cd "$app"
echo "consumer check: building the app in $app"
dotnet build -c Release -p:TripletSharpVersion="$version" --nologo -v quiet -o "$app/out"
test -f "$app/out/data/fashion-mnist-sample/train-images-idx3-ubyte.gz" \
  || { echo "consumer check: FAIL: the bundled sample was not copied to the app's output" >&2; exit 1; }
echo "consumer check: running"
status=0
(cd "$work" && dotnet "$app/out/ConsumerCheck.dll") || status=$?

# The same app built with both opt-outs: no sample copied, libLibTorchSharp.so left as TorchSharp ships it, so the
# load-failure message (or a plain load, on a system with GCC 13's libstdc++) is what a user without the fix sees.
if [ "$status" -eq 0 ]; then
  echo "consumer check: opt-outs (TripletSharpCopySampleData=false, TripletSharpPatchLibTorchSharp=false)"
  dotnet build -c Release -p:TripletSharpVersion="$version" -p:TripletSharpCopySampleData=false \
    -p:TripletSharpPatchLibTorchSharp=false --nologo -v quiet -o "$app/out-optout" >/dev/null
  if [ -e "$app/out-optout/data/fashion-mnist-sample" ]; then
    echo "consumer check: FAIL: TripletSharpCopySampleData=false still copied the sample" >&2; status=1
  fi
  printf 'label,a\n0,1\n1,2\n' > "$work/tiny.csv"
  (cd "$work" && dotnet "$app/out-optout/ConsumerCheck.dll" --load-only "$work/tiny.csv") || status=$?
fi
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/tripletsharp/$version"
echo "consumer check: exit $status, $(( $(date +%s) - start )) s"
exit $status
