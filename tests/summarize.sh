#! /bin/sh
# Summarizes autotest logs: one line per suite, the skipped tests with their
# reasons, and a closing line "N passed, N failed".  Exits 1 if any test
# failed or a log is missing.
#
# usage: summarize.sh NAME=LOG...
passed=0 failed=0 skipped=0 status=0
for arg in "$@"; do
    name=${arg%%=*}
    log=${arg#*=}
    if ! test -f "$log"; then
        echo "$name: no results ($log missing)"
        failed=$((failed + 1))
        status=1
        continue
    fi
    # Result lines look like "12. title (file.at:34): ok   (0m1.2s ...)".
    results=$(sed -n 's/^[0-9][0-9]*\. .* ([^()]*\.at:[0-9]*): //p' "$log")
    p=$(echo "$results" | grep -c '^ok' || true)
    f=$(echo "$results" | grep -c -E '^(FAILED|UNEXPECTED PASS)' || true)
    s=$(echo "$results" | grep -c '^skipped' || true)
    echo "$name: $p passed, $f failed, $s skipped"
    if test "$s" -gt 0; then
        grep -E '^[0-9]+\. .*\.at:[0-9]+\): skipped' "$log" \
            | sed 's/^/  skipped: /'
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    test "$f" -eq 0 || status=1
done
echo "$skipped skipped (not counted as passed)"
echo "$passed passed, $failed failed"
exit $status
