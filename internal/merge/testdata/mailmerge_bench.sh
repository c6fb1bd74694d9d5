#!/bin/sh
# mailmerge_bench.sh compares `securemerge send --outbox` with the Python
# mailmerge CLI (awdeorio/mailmerge, `mailmerge --dry-run --no-limit`) on the
# same 5,000-row CSV and the same message. The issue's target: securemerge at
# least 10x faster.
#
# Usage: internal/merge/testdata/mailmerge_bench.sh [path/to/securemerge]
#   The securemerge binary defaults to ./securemerge (make build), then the
#   one on PATH. Only needed when mailmerge is installed.
#
# When mailmerge is not installed (PyPI is not reachable from the build
# machines, and Debian has no python3-mailmerge package) the script says so
# and exits 0: there is nothing to compare. The data and template are those of
# BenchmarkSendOutbox5k (cmd/securemerge/bench_test.go), whose msgs/s is the
# securemerge side of the comparison; keep them in step.
set -eu

ROWS=5000

if ! command -v mailmerge >/dev/null 2>&1; then
	echo "mailmerge comparison: NOT MEASURED - the Python mailmerge CLI is not installed on this machine."
	if command -v apt-cache >/dev/null 2>&1; then
		policy=$(apt-cache policy python3-mailmerge 2>/dev/null | head -3)
		if [ -n "$policy" ]; then
			echo "apt-cache policy python3-mailmerge:"
			echo "$policy"
		else
			echo "apt-cache policy python3-mailmerge: no such Debian package."
		fi
	fi
	echo "It is only on PyPI, which this machine cannot reach. Where PyPI is reachable:"
	echo "  pipx install mailmerge && $0 [path/to/securemerge]"
	echo "securemerge's own figure for the same work is BenchmarkSendOutbox5k (msgs/s)."
	exit 0
fi

SECUREMERGE=${1:-}
if [ -z "$SECUREMERGE" ]; then
	if [ -x ./securemerge ]; then
		SECUREMERGE=./securemerge
	elif command -v securemerge >/dev/null 2>&1; then
		SECUREMERGE=securemerge
	else
		echo "mailmerge_bench.sh: no securemerge binary: run 'make build' or pass its path" >&2
		exit 1
	fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The same data for both tools (as benchOutboxCSV writes it).
awk -v n="$ROWS" 'BEGIN {
	print "email,first_name,company,city"
	for (i = 0; i < n; i++) printf "user%d@example.com,Zoé%d,Société %d,Lyon\n", i, i, i % 97
}' > "$work/data.csv"

# mailmerge: a Jinja2 template with a header block, like ours.
cat > "$work/mailmerge_template.txt" <<'TPL'
TO: {{email}}
SUBJECT: Invitation for {{first_name}}
FROM: events@example.com

Dear {{first_name}},

We are delighted to invite you{% if company %} with your colleagues at {{company}}{% endif %}.
The meeting takes place in {{city}}.
TPL
# A dry run connects to no server; the file must exist all the same.
cat > "$work/mailmerge_server.conf" <<'CONF'
[smtp_server]
host = localhost
port = 25
CONF

# securemerge: the same message in its template language (benchOutboxTpl).
cat > "$work/invite.tpl" <<'TPL'
From: events@example.com
To: {{ email }}
Subject: Invitation for {{ first_name }}
Format: text

Dear {{ first_name }},

We are delighted to invite you{% if company %} with your colleagues at {{ company }}{% endif %}.
The meeting takes place in {{ city }}.
TPL

now() { date +%s.%N; }

t0=$(now)
mailmerge --dry-run --no-limit --template "$work/mailmerge_template.txt" \
	--database "$work/data.csv" --config "$work/mailmerge_server.conf" >"$work/mailmerge.out"
t1=$(now)
SECUREMERGE_DATA_DIR="$work/data" "$SECUREMERGE" send --data "$work/data.csv" --template "$work/invite.tpl" \
	--outbox "$work/outbox" --campaign bench >"$work/securemerge.out"
t2=$(now)
# The like-for-like comparison: securemerge's dry run also renders and
# checks every message and writes nothing.
SECUREMERGE_DATA_DIR="$work/data-dry" "$SECUREMERGE" send --data "$work/data.csv" --template "$work/invite.tpl" \
	>"$work/securemerge-dry.out"
t3=$(now)

# mailmerge prints ">>> message N sent" once per message it rendered; make
# sure it did all the rows, else its time is not for the same work.
rendered=$(grep -c '>>> message [0-9]* sent' "$work/mailmerge.out" || true)
if [ "$rendered" -ne "$ROWS" ]; then
	echo "mailmerge_bench.sh: mailmerge rendered $rendered messages; want $ROWS" >&2
	exit 1
fi
written=$(find "$work/outbox" -name '*.eml' | wc -l)
if [ "$written" -ne "$ROWS" ]; then
	echo "mailmerge_bench.sh: securemerge wrote $written messages; want $ROWS" >&2
	exit 1
fi
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v n="$ROWS" -v v="$(mailmerge --version 2>&1 | head -1)" 'BEGIN {
	m = b - a; s = c - b; dd = d - c
	printf "%s, %d rows, same CSV and message:\n", v, n
	printf "mailmerge --dry-run --no-limit: %7.2f s (%7.0f msgs/s)\n", m, n / m
	printf "securemerge send --outbox:      %7.2f s (%7.0f msgs/s)\n", s, n / s
	if (m >= s)
		printf "securemerge is %.1fx faster (target: 10x)\n", m / s
	else
		printf "securemerge is %.1fx SLOWER (mailmerge/securemerge time ratio %.2f; target: 10x faster)\n", s / m, m / s
	printf "securemerge send (dry run):     %7.2f s (%7.0f msgs/s): %.1fx faster than mailmerge --dry-run\n", dd, n / dd, m / dd
}'
