#!/usr/bin/env bash
# test-decks.sh OUTDIR DECK.html... - run check-deck.sh on every rendered
# deck and report in TAP, ending with "slides: N passed, N failed".
# Each deck's screenshot goes next to it: OUTDIR/NN-name.png.
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 OUTDIR DECK.html..." >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
outdir=$1
shift

echo "1..$#"
# First make sure the checker can still see errors at all; if it cannot, no
# deck's result means anything, so every deck fails with the reason.
selftest=0
broken=$("$here/selftest.sh" 2>&1) || selftest=1
if [ "$selftest" -eq 0 ]; then
	echo "# checker self-test passed: it catches a thrown error, console.error, a missing image"
fi

n=0 passed=0 failed=0
for html in "$@"; do
	n=$((n + 1))
	name=$(basename "$html" .html)
	# The name a reader knows the deck by: its source under slides/.
	label="slides/$name.html"
	ok=0
	if [ "$selftest" -ne 0 ]; then
		problems="the checker failed its self-test, so this deck was not judged: $broken"
	elif problems=$("$here/check-deck.sh" "$html" "$outdir/$name.png" 2>&1); then
		ok=1
	fi
	if [ "$ok" -eq 1 ]; then
		echo "ok $n - $label renders"
		passed=$((passed + 1))
	else
		echo "not ok $n - $label renders"
		# TAP diagnostics: one "# " line per problem.
		sed 's/^/# /' <<<"$problems"
		failed=$((failed + 1))
	fi
done
echo "slides: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
