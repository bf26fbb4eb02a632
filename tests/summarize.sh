#! /bin/sh
# Summarizes the autotest logs of one "make check-all": a line per suite,
# the skipped tests with their reasons, and a closing line
# "N passed, N failed".
#
# usage: summarize.sh NAME LOG RECHECK EXPECTED STATUS [NAME LOG ...]...
#
# LOG is the suite's testsuite.log, which check-all deleted before running
# the suite, so a log that is there is this run's.  RECHECK is "-" or the
# log of a second run of the tests that failed in LOG (OVS's selection
# only): a test that failed and then passed counts as passed, and is named
# so that a flaky test stays visible.  EXPECTED is the number
# of tests the suite selected (from "testsuite --list"), STATUS the exit
# status of the make that ran it.  A suite counts one failure more if its log
# is missing, if it has fewer or more results than EXPECTED, or if it
# exited with an error although no test failed, or if it selected no test
# at all.  With VHU_SKIP_IS_FAILURE=yes
# (CI) a skipped test counts as failed.  Exits 1 if anything failed.
passed=0 failed=0 skipped=0

# suite_failed NAME WHY: a failure of the suite as a whole.
suite_failed () {
    echo "$1: FAILED: $2"
    failed=$((failed + 1))
}

while test $# -ge 5; do
    name=$1 log=$2 recheck=$3 expected=$4 status=$5
    shift 5
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
    flaky=
    if test "$recheck" != - && test -f "$recheck"; then
        # Numbers of the tests that failed in LOG and passed in RECHECK.
        again=$(sed -n 's/^\([0-9][0-9]*\)\. .* ([^()]*\.at:[0-9]*): ok.*/\1/p' \
                "$recheck")
        for num in $again; do
            if grep -q -E "^$num\. .*\.at:[0-9]+\): FAILED" "$log"; then
                line=$(grep -E "^$num\. .*\.at:[0-9]+\): ok" "$recheck")
                flaky="$flaky  flaky: ${line%%: ok*}: failed, then passed"
                flaky="$flaky when run again
"
                p=$((p + 1)) f=$((f - 1))
            fi
        done
    fi
    echo "$name: $p passed, $f failed, $s skipped, of $expected tests"
    printf '%s' "$flaky"
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
    if test "$expected" -eq 0; then
        suite_failed "$name" "no test was selected"
    elif test "$n" -ne "$expected"; then
        suite_failed "$name" "$n results for $expected tests"
    elif test "$status" -ne 0 && test "$f" -eq 0; then
        suite_failed "$name" "exited with status $status"
    fi
done
if test $# -ne 0; then
    echo "usage: $0 NAME LOG RECHECK EXPECTED STATUS..." >&2
    exit 2
fi
echo "$skipped skipped (not counted as passed)"
echo "$passed passed, $failed failed"
test "$failed" -eq 0
