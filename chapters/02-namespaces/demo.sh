#!/usr/bin/env bash
# chapters/02-namespaces/demo.sh - article §2.2 Namespace, told with
# mini-unshare.  Run by `make demo`; safe to run alone after `make`.
set -euo pipefail
: "${KIT_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KIT_BIN:=$KIT_ROOT/build/bin}"
source "$KIT_ROOT/tools/lib/demo.sh"
U=$KIT_BIN/mini-unshare

title "Chapter 02: namespaces (article §2.2)"
say "A namespace gives a process its own copy of one global resource."
say "First, the host as we see it now:"
show sh -c 'echo "our shell is PID $$; the host runs $(ls /proc | grep -c "^[0-9]") processes"'
need root

say ""
say "1. The article's first experiment: unshare --fork --pid --mount-proc."
say "   --pid asks for a new PID namespace, --fork makes the program our"
say "   child so it is the first process there (PID 1), and --mount-proc"
say "   mounts a /proc that lists only that namespace:"
show "$U" --fork --pid --mount-proc sh -c 'ps -e -o pid,ppid,comm'
say "   ps sees two processes: the shell (PID 1, its parent is outside: 0)"
say "   and ps itself."

say ""
say "2. Without --mount-proc, ps still reads the host's /proc and sees everything,"
say "   although the PIDs in the new namespace start at 1:"
show "$U" --fork --pid sh -c 'echo "inside, my PID is $$"; echo "ps -e counts $(ps -e --no-headers | wc -l) processes (the host view)"'

say ""
say "3. --verbose shows the steps mini-unshare takes, in kernel order:"
show "$U" --verbose --fork --pid --mount-proc true

say ""
say "4. The second experiment: --net gives an empty network stack, only lo:"
show "$U" --net ip link
say "   and the host still has all of its devices:"
show sh -c "ip -o link | cut -d: -f2 | tr -d ' ' | tr '\n' ' '; echo"

say ""
say "5. --uts: a hostname changed inside stays inside."
show "$U" --uts sh -c 'hostname demo-container; echo "inside: $(hostname)"'
show hostname

need userns
say ""
say "6. --user --map-root-user: an ordinary user (nobody, uid 65534) becomes"
say "   root in a user namespace of its own, and nobody outside of it."
copy=$(mktemp -d /tmp/kit-demo.XXXXXX)
trap 'rm -rf "$copy"' EXIT
chmod 755 "$copy"
cp "$U" "$copy/"
show setpriv --reuid=65534 --regid=65534 --clear-groups "$copy/mini-unshare" --user --map-root-user sh -c 'id; cat /proc/self/uid_map'
say "   uid_map reads: id 0 inside is id 65534 outside, for 1 id."
say ""
say "Next: chapters/02-namespaces/README.md maps each step to the code, and"
say "'make grade LAB=02' grades your own version (labs/02-namespaces)."
