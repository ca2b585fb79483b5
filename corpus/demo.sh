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
