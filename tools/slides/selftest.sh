#!/usr/bin/env bash
# selftest.sh - prove that check-deck.sh still catches a broken page: a clean
# page must pass, and a page with a thrown error, a console.error and a
# missing image must fail with all three named. A checker that quietly passes
# everything (say, after a Chromium update changes what it reports) would
# otherwise turn every deck green. Prints nothing on success.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/kit-slides-selftest.XXXXXX")
trap 'rm -rf "$dir"' EXIT

cat >"$dir/good.html" <<'HTML'
<!DOCTYPE html><html><head><title>good</title></head>
<body><p>nothing wrong here</p></body></html>
HTML
cat >"$dir/bad.html" <<'HTML'
<!DOCTYPE html><html><head><title>bad</title></head>
<body><img src="missing.png" alt="">
<script>console.error("selftest-console"); throw new Error("selftest-throw")</script>
</body></html>
HTML

if ! out=$("$here/check-deck.sh" "$dir/good.html" "$dir/good.png" 2>&1); then
	echo "self-test: a clean page was reported: $out"
	exit 1
fi
rc=0
out=$("$here/check-deck.sh" "$dir/bad.html" "$dir/bad.png" 2>&1) || rc=$?
if [ "$rc" -ne 1 ]; then
	echo "self-test: a broken page gave exit $rc, not 1: $out"
	exit 1
fi
for want in 'uncaught exception: Error: selftest-throw' \
	'console.error: selftest-console' \
	'resource failed to load: net::ERR_FILE_NOT_FOUND'; do
	if ! grep -qF "$want" <<<"$out"; then
		echo "self-test: missed \"$want\" in: $out"
		exit 1
	fi
done
