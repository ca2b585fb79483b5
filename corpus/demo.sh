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
echo "== mixmaster master $OUT/corpus/mix.wav --preset spotify"
$MM master "$OUT/corpus/mix.wav" --preset spotify -o "$OUT/master-spotify.wav" \
    --report "$OUT/master-spotify.json" --plan-out "$OUT/plan-spotify.json"
echo
echo "== mixmaster master $OUT/corpus/flawed/mono.wav --reference $OUT/corpus/mix.wav (the corpus reference mix)"
# the mono variant lost its side and some treble in the fold-down: matching
# restores the tonal balance and the loudness; the report shows the width it
# cannot invent (there is no side signal to raise)
$MM master "$OUT/corpus/flawed/mono.wav" --reference "$OUT/corpus/mix.wav" -o "$OUT/master-reference.flac" \
    --report "$OUT/master-reference.json" --plan-out "$OUT/plan-reference.json"
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
echo "demo: wrote $OUT/analysis.json, $OUT/check.json, $OUT/album.json, $OUT/master-spotify.wav, $OUT/master-reference.flac"
echo "      and the masters' reports and plans (master-*.json, plan-*.json)"
echo "demo: HTML reports: $OUT/report/check/index.html and $OUT/report/album/index.html"
