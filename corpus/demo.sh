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
echo "demo: wrote $OUT/analysis.json, $OUT/check.json and $OUT/album.json"
echo "demo: HTML reports: $OUT/report/check/index.html and $OUT/report/album/index.html"
echo
echo "== mixmaster automix $OUT/corpus/stems -> $OUT/automix/mix.wav"
mkdir -p "$OUT/automix"
$MM automix "$OUT/corpus/stems" -o "$OUT/automix/mix.wav" --plan-out "$OUT/automix/plan.json" \
    --report "$OUT/automix/report.json" --stems-out "$OUT/automix/stems"
$MM analyze "$OUT/automix/mix.wav"
# Mastering the automixed mix needs `mixmaster master`; run it when this build has it.
if $MM master --help >/dev/null 2>&1; then
    echo
    echo "== mixmaster master $OUT/automix/mix.wav -> $OUT/automix/master.wav"
    $MM master "$OUT/automix/mix.wav" -o "$OUT/automix/master.wav"
fi
echo "demo: wrote $OUT/automix/ (mix, plan, report, processed stems)"
