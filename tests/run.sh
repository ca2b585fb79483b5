#!/bin/sh
# Runs every test program given as arguments and the command-line tests, then
# prints one closing line: "N passed, N failed" (test cases, not programs).
# A program that crashes or exits non-zero without a count counts as one failure.
BUILD=${BUILD:-build}
passed=0; failed=0; failed_progs=""
log=$(mktemp); trap 'rm -f "$log"' EXIT
for t in "$@"; do
    [ -e "$t" ] || continue
    # VALGRIND (make test-valgrind) runs each test program under valgrind
    case "$t" in *.sh) cmd="sh $t";; *) cmd="${VALGRIND:+$VALGRIND }$t";; esac
    BUILD=$BUILD $cmd >"$log" 2>&1; rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p; s/^ok \([0-9]*\) .*/1/p' "$log" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p; s/^not ok \([0-9]*\) .*/1/p' "$log" | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        failed_progs="$failed_progs $t"
        echo "---- $t (exit $rc)"; cat "$log"
    else
        echo "$(basename "$t"): $p passed"
    fi
done
[ -n "$failed_progs" ] && echo "failing:$failed_progs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
