#!/bin/sh
# make demo: generate the corpus, then run every job that exists on it.
set -eu
BUILD=${BUILD:-build}
OUT=${DEMO_OUT:-demo-out}
MM=$BUILD/mixmaster
mkdir -p "$OUT"
[ -f "$OUT/corpus/mix.wav" ] || "$BUILD/mm-corpus" song "$OUT/corpus" >/dev/null
echo "== mixmaster analyze $OUT/corpus/mix.wav"
$MM analyze "$OUT/corpus/mix.wav"
echo
echo "== mixmaster analyze (flawed variants) -> $OUT/analysis.json"
set +e
$MM analyze -j 2 -o "$OUT/analysis.json" "$OUT/corpus/mix.wav" "$OUT"/corpus/flawed/*.wav
rc=$?
set -e
[ $rc -eq 0 ] || { echo "demo: analyze failed (exit $rc)" >&2; exit $rc; }
$MM analyze "$OUT"/corpus/flawed/clipped.wav "$OUT"/corpus/flawed/polarity.wav
echo
echo "demo: wrote $OUT/analysis.json"
echo
echo "== mixmaster check: is the mix ready for mastering? (and a flawed variant)"
set +e
$MM check "$OUT/corpus/mix.wav" "$OUT/corpus/flawed/polarity.wav"
rc=$?
$MM check -j 2 --format json -o "$OUT/check.json" "$OUT/corpus/mix.wav" "$OUT"/corpus/flawed/*.wav
rc2=$?
set -e
# exit 1 means a check failed, which the flawed variants are made to do
for r in $rc $rc2; do
    [ "$r" -le 1 ] || { echo "demo: check failed (exit $r)" >&2; exit "$r"; }
done
echo
echo "== mixmaster album: three corpus songs at different levels, as one album"
for k in 2 3; do
    [ -f "$OUT/corpus$k/mix.wav" ] || "$BUILD/mm-corpus" song "$OUT/corpus$k" --seed $k >/dev/null
done
$MM album --preset apple --report-dir "$OUT/report/album" -o "$OUT/album.json" \
    "$OUT/corpus/mix.wav" "$OUT/corpus2/flawed/too_quiet.wav" "$OUT/corpus3/flawed/no_headroom.wav"
$MM album --preset apple "$OUT/corpus/mix.wav" "$OUT/corpus2/flawed/too_quiet.wav" "$OUT/corpus3/flawed/no_headroom.wav"
$MM check --report-dir "$OUT/report/check" -o "$OUT/report/check.txt" "$OUT/corpus/mix.wav" "$OUT/corpus/flawed/polarity.wav" || [ $? -le 1 ]
echo
echo "== mixmaster master $OUT/corpus/mix.wav --preset spotify"
$MM master "$OUT/corpus/mix.wav" --preset spotify -o "$OUT/master-spotify.wav" \
    --report "$OUT/master-spotify.json" --plan-out "$OUT/plan-spotify.json" --report-dir "$OUT/report/master"
echo
echo "== mixmaster master $OUT/corpus/flawed/mono.wav --reference $OUT/corpus/mix.wav (the corpus reference mix)"
# the mono variant lost its side and some treble in the fold-down: matching
# restores the tonal balance and the loudness; the report shows the width it
# cannot invent (there is no side signal to raise)
$MM master "$OUT/corpus/flawed/mono.wav" --reference "$OUT/corpus/mix.wav" -o "$OUT/master-reference.flac" \
    --report "$OUT/master-reference.json" --plan-out "$OUT/plan-reference.json"
echo
echo "== mixmaster automix $OUT/corpus/stems -> $OUT/automix/mix.wav"
mkdir -p "$OUT/automix"
$MM automix "$OUT/corpus/stems" -o "$OUT/automix/mix.wav" --plan-out "$OUT/automix/plan.json" \
    --report "$OUT/automix/report.json" --stems-out "$OUT/automix/stems" --report-dir "$OUT/report/automix"
$MM analyze "$OUT/automix/mix.wav"
echo
echo "== mixmaster master $OUT/automix/mix.wav --preset spotify -> $OUT/automix/master.wav"
$MM master "$OUT/automix/mix.wav" --preset spotify -o "$OUT/automix/master.wav"
echo
echo "== mixmaster release: three corpus songs as an album, with gaps, fades and metadata"
for k in 2 3; do
    [ -f "$OUT/corpus$k/mix.wav" ] || "$BUILD/mm-corpus" song "$OUT/corpus$k" --seed $k >/dev/null
done
mkdir -p "$OUT/release"
# paths in release.json are relative to its folder; ISRCs and the UPC are
# examples in the right shape (valid check digit), not registered codes
cat >"$OUT/release/release.json" <<'JSON'
{
  "title": "Corpus", "artist": "The Generated", "year": 2026, "genre": "Demo",
  "upc": "036000291452",
  "tracks": [
    { "file": "../corpus/mix.wav",  "title": "First Light", "isrc": "XX-MM0-26-00001",
      "fade_in_s": 0.5, "fade_out_s": 3, "fade_curve": "equal-power" },
    { "file": "../corpus2/mix.wav", "title": "Second Wind", "isrc": "XX-MM0-26-00002",
      "gap_before_s": 1.5, "fade_out_s": 4, "fade_curve": "s-curve" },
    { "file": "../corpus3/mix.wav", "title": "Third Time", "artist": "The Generated feat. Seed 3",
      "isrc": "XX-MM0-26-00003", "crossfade_s": 2, "fade_in_s": 2, "fade_out_s": 5, "fade_curve": "log",
      "trim": "auto" }
  ]
}
JSON
rm -rf "$OUT/release/album"
$MM release "$OUT/release/release.json" -o "$OUT/release/album" --preset apple --format flac --continuous \
    --report-dir "$OUT/report/release"
echo
echo "demo: wrote $OUT/analysis.json, $OUT/check.json, $OUT/album.json, $OUT/master-spotify.wav,"
echo "      $OUT/master-reference.flac and the masters' reports and plans (master-*.json, plan-*.json),"
echo "      $OUT/automix/ (mix, plan, report, processed stems, master),"
echo "      $OUT/release/album/ (tracks, CUE sheets, continuous album file, manifest.json)"
# one page that leads to every report of the run
index="$OUT/report/index.html"
{
    echo '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>mixmaster demo</title>'
    echo '<style>body{font-family:"DejaVu Sans",sans-serif;max-width:800px;margin:2em auto}li{margin:.4em 0}</style></head><body>'
    echo '<h1>mixmaster demo</h1><p>The reports of this run, on the generated corpus.</p><ul>'
    for d in automix master check album release; do
        [ -f "$OUT/report/$d/index.html" ] && echo "<li><a href=\"$d/index.html\">$d</a></li>"
    done
    echo '</ul></body></html>'
} > "$index.tmp" && mv "$index.tmp" "$index"
echo "demo: HTML report: $index"
