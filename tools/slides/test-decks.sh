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
n=0 passed=0 failed=0
for html in "$@"; do
	n=$((n + 1))
	name=$(basename "$html" .html)
	# The name a reader knows the deck by: its source under slides/.
	label="slides/$name.html"
	if problems=$("$here/check-deck.sh" "$html" "$outdir/$name.png" 2>&1); then
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
