# tools/lib/demo.sh - narration helpers for chapters/*/demo.sh.
#
#   title "text"     a chapter heading
#   say "text"       a line of narration
#   show CMD...      print the command as a reader would type it, run it,
#                    indent its output; a failing command stops the demo
#   need NAME        skip the rest of the demo, saying why, if a requirement
#                    from tests/lib/require.bash is missing

source "$KIT_ROOT/tests/lib/require.bash"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	_b=$'\033[1m' _d=$'\033[2m' _c=$'\033[36m' _r=$'\033[0m'
else
	_b='' _d='' _c='' _r=''
fi

title() { printf '\n%s== %s ==%s\n' "$_b" "$*" "$_r"; }
say() { printf '%s\n' "$*" | fold -s -w 78; }

# quote WORD - WORD as a reader would type it in a shell.
quote() {
	if [[ $1 =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then
		printf '%s' "$1"
	else
		printf "'%s'" "${1//\'/\'\\\'\'}"
	fi
}

show() {
	local line=${1##*/} arg
	for arg in "${@:2}"; do
		line+=" $(quote "$arg")"
	done
	printf '%s$ %s%s\n' "$_c" "$line" "$_r"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

need() {
	local why
	if ! why=$(kit_require "$@" 2>&1); then
		say "(skipping the rest of this demo: $why)"
		exit 0
	fi
}
