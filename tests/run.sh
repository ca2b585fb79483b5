#!/bin/sh
# Runs every test program given as arguments, TEST_JOBS at a time (default:
# the number of cores), then prints per program what passed and one closing
# line: "N passed, N failed" (test cases, not programs). A program that
# crashes or exits non-zero without a count counts as one failure.
# VALGRIND (make test-valgrind) runs each test program under valgrind.
BUILD=${BUILD:-build}
JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
logs=$(mktemp -d); trap 'rm -rf "$logs"' EXIT
export BUILD VALGRIND logs

# run one program: its output into logs/NAME.log, its exit status into logs/NAME.rc
for t in "$@"; do [ -e "$t" ] && printf '%s\n' "$t"; done |
    xargs -P "$JOBS" -I{} sh -c '
        t="$1"; n=$(basename "$t")
        case "$t" in *.sh) cmd="sh $t";; *) cmd="${VALGRIND:+$VALGRIND }$t";; esac
        $cmd >"$logs/$n.log" 2>&1; echo $? >"$logs/$n.rc"' sh {}

passed=0; failed=0; failed_progs=""
for t in "$@"; do
    [ -e "$t" ] || continue
    n=$(basename "$t"); log="$logs/$n.log"
    rc=$(cat "$logs/$n.rc" 2>/dev/null || echo 1)
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
