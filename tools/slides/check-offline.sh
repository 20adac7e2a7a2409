#!/usr/bin/env bash
# check-offline.sh HTML... - fail if a rendered deck would load anything from
# the network: a script, stylesheet, font, image or frame with an http(s) or
# protocol-relative (//host) address. Plain <a href> links are fine: nothing
# is fetched until someone clicks them.
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 DECK.html..." >&2
	exit 2
fi

# Tags that fetch on load, then CSS url() and @import (a web font comes in
# through one of these).
remote='(https?:)?//'
patterns=(
	"<(script|img|iframe|frame|embed|source|video|audio|track|input|object)\\b[^>]*\\b(src|data|poster|srcset)=[\"']?${remote}"
	"<link\\b[^>]*\\bhref=[\"']?${remote}"
	"url\\([[:space:]]*[\"']?${remote}"
	"@import[[:space:]]+(url\\()?[[:space:]]*[\"']?${remote}"
)

status=0
for html in "$@"; do
	for re in "${patterns[@]}"; do
		# -o keeps the report short: the data: URIs make lines huge.
		if hits=$(grep -oiE "${re}[^\"' )>]*" "$html"); then
			while IFS= read -r hit; do
				echo "$html: loads from the network: $hit" >&2
			done <<<"$hits"
			status=1
		fi
	done
done
exit "$status"
