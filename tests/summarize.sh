#! /bin/sh
# Summarizes the autotest logs of one "make check-all": a line per suite,
# the skipped tests with their reasons, and a closing line
# "N passed, N failed".
#
# usage: summarize.sh NAME LOG EXPECTED STATUS [NAME LOG EXPECTED STATUS]...
#
# LOG is the suite's testsuite.log, which check-all deleted before running
# the suite, so a log that is there is this run's.  EXPECTED is the number
# of tests the suite selected (from "testsuite --list"), STATUS the exit
# status of the make that ran it.  A suite counts one failure more if its log
# is missing, if it has fewer or more results than EXPECTED, or if it
# exited with an error although no test failed.  With VHU_SKIP_IS_FAILURE=yes
# (CI) a skipped test counts as failed.  Exits 1 if anything failed.
passed=0 failed=0 skipped=0

# suite_failed NAME WHY: a failure of the suite as a whole.
suite_failed () {
    echo "$1: FAILED: $2"
    failed=$((failed + 1))
}

while test $# -ge 4; do
    name=$1 log=$2 expected=$3 status=$4
    shift 4
    if ! test -f "$log"; then
        suite_failed "$name" "the suite did not run ($log missing)"
        continue
    fi
    # Result lines look like "12. title (file.at:34): ok   (0m1.2s ...)".
    results=$(sed -n 's/^[0-9][0-9]*\. .* ([^()]*\.at:[0-9]*): //p' "$log")
    p=$(echo "$results" | grep -c '^ok')
    f=$(echo "$results" | grep -c -E '^(FAILED|UNEXPECTED PASS|expected failure)')
    s=$(echo "$results" | grep -c '^skipped')
    n=$((p + f + s))
    echo "$name: $p passed, $f failed, $s skipped, of $expected tests"
    if test "$s" -gt 0; then
        reasons=$(dirname "$log")/skip-reasons
        grep -E '^[0-9]+\. .*\.at:[0-9]+\): skipped' "$log" \
            | sed 's/^/  skipped: /'
        if test -f "$reasons"; then
            sed 's/^/  reason: /' "$reasons"
        fi
        if test "$VHU_SKIP_IS_FAILURE" = yes; then
            echo "  (VHU_SKIP_IS_FAILURE=yes: skipped tests count as failed)"
            f=$((f + s))
            s=0
        fi
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    if test "$n" -ne "$expected"; then
        suite_failed "$name" "$n results for $expected tests"
    elif test "$status" -ne 0 && test "$f" -eq 0; then
        suite_failed "$name" "exited with status $status"
    fi
done
if test $# -ne 0; then
    echo "usage: $0 NAME LOG EXPECTED STATUS..." >&2
    exit 2
fi
echo "$skipped skipped (not counted as passed)"
echo "$passed passed, $failed failed"
test "$failed" -eq 0
