#!/usr/bin/env bash
# deps.sh PACKAGE... - install the Debian packages that are missing, saying
# which first; do nothing when all are there (so it is safe to run often).
set -euo pipefail

missing=()
for pkg in "$@"; do
	# dpkg -s succeeds for removed-but-configured packages too; ask for the
	# status word so only a really installed package counts.
	if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]; then
		missing+=("$pkg")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps-slides: all installed ($*)"
	exit 0
fi
echo "deps-slides: will install: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps-slides: not root; run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
# A fresh machine has no package lists yet; without them apt finds nothing.
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
