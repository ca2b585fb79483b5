#!/bin/sh
# fuzz/run.sh SECONDS TARGET...: run each libFuzzer target for SECONDS on its
# seeds (build-fuzz/seeds/NAME) plus what earlier runs found
# (build-fuzz/corpus/NAME), FUZZ_JOBS at a time (default 2). A crash, leak
# or timeout saves its input as build-fuzz/crashes/NAME-* and fails the run
# after the others have finished.
set -u
seconds=$1; shift
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_JOBS=${FUZZ_JOBS:-2}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$FUZZ_BUILD/crashes"
export FUZZ_BUILD seconds
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
for t in "$@"; do printf '%s\n' "$t"; done | xargs -P "$FUZZ_JOBS" -I{} sh -c '
    t=$1; n=$(basename "$t"); mkdir -p "$FUZZ_BUILD/corpus/$n"
    "$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$FUZZ_BUILD/crashes/$n-" "$FUZZ_BUILD/corpus/$n" "$FUZZ_BUILD/seeds/$n" \
        >"$FUZZ_BUILD/$n.log" 2>&1
    echo $? >"$FUZZ_BUILD/$n.rc"' sh {}
bad=0
for t in "$@"; do
    n=$(basename "$t")
    rc=$(cat "$FUZZ_BUILD/$n.rc" 2>/dev/null || echo 127)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FUZZ_BUILD/$n.log")
    new=$(sed -n 's/^stat::new_units_added: *//p' "$FUZZ_BUILD/$n.log")
    if [ "$rc" -ne 0 ]; then
        bad=1
        echo "---- $n: FAILED (exit $rc), last lines of $FUZZ_BUILD/$n.log:"
        tail -40 "$FUZZ_BUILD/$n.log"
    else
        echo "$n: ${seconds} s, ${runs:-?} runs, ${new:-?} new inputs, no crash"
    fi
done
exit $bad
