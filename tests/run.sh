#!/bin/sh
# Runs every test program given as arguments and the command-line tests, then
# prints one closing line: "N passed, N failed" (test cases, not programs).
# A program that crashes or exits non-zero without a count counts as one failure.
# TEST_JOBS=N runs N programs at a time (make test-valgrind uses 2); the
# reports are printed in the order given either way.
BUILD=${BUILD:-build}
TEST_JOBS=${TEST_JOBS:-1}
passed=0; failed=0; failed_progs=""
logs=$(mktemp -d); trap 'rm -rf "$logs"' EXIT
export BUILD logs VALGRIND
# one program: its output in $logs/NAME.log, its exit code in $logs/NAME.rc
# (VALGRIND, from make test-valgrind, runs each program under valgrind)
for t in "$@"; do [ -e "$t" ] && printf '%s\n' "$t"; done |
    xargs -P "$TEST_JOBS" -I{} sh -c '
        t=$1; n=$(basename "$t")
        case "$t" in *.sh) cmd="sh $t";; *) cmd="${VALGRIND:+$VALGRIND }$t";; esac
        $cmd >"$logs/$n.log" 2>&1; echo $? >"$logs/$n.rc"' sh {}
for t in "$@"; do
    [ -e "$t" ] || continue
    n=$(basename "$t"); log=$logs/$n.log
    rc=$(cat "$logs/$n.rc" 2>/dev/null || echo 127)
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p; s/^ok \([0-9]*\) .*/1/p' "$log" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p; s/^not ok \([0-9]*\) .*/1/p' "$log" | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        failed_progs="$failed_progs $t"
        echo "---- $t (exit $rc)"; cat "$log"
    else
        echo "$n: $p passed"
    fi
done
[ -n "$failed_progs" ] && echo "failing:$failed_progs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
