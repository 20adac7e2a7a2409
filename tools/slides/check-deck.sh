#!/usr/bin/env bash
# check-deck.sh DECK.html SHOT.png - open one rendered deck in headless
# Chromium, save a PNG of its first slide, and fail if the page logged an
# error, failed to load a resource, reached for the network, or has a slide
# whose content does not fit. Prints one problem per line.
# Exit: 0 clean, 1 the deck has problems, 2 the check could not run.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 DECK.html SHOT.png" >&2
	exit 2
fi
html=$1
png=$2
here=$(cd "$(dirname "$0")" && pwd)
chromium=${SLIDES_CHROMIUM:-chromium}

if ! command -v "$chromium" >/dev/null; then
	echo "check-deck: $chromium not found (make deps-slides installs it)" >&2
	exit 2
fi

# A fresh profile each time: nothing cached from an earlier run can hide a
# missing file, and nothing is left behind afterwards.
profile=$(mktemp -d "${TMPDIR:-/tmp}/kit-slides-profile.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/kit-slides-chromium.XXXXXX")
trap 'rm -rf "$profile" "$log"' EXIT

static=0
"$here/check-offline.sh" "$html" 2>&1 || static=1

# cdp-check.py starts Chromium in a process group of its own and kills that
# group when it is done, so no browser outlives this script.
rc=0
python3 "$here/cdp-check.py" --chromium "$chromium" --profile "$profile" \
	--browser-log "$log" "$html" "$png" || rc=$?
if [ "$rc" -eq 2 ]; then
	echo "check-deck: last lines from chromium:" >&2
	tail -n 5 "$log" >&2
	exit 2
fi
[ "$rc" -eq 0 ] && [ "$static" -eq 0 ]
