#!/bin/sh
# Compares `securemerge send --outbox` with the Python mailmerge CLI
# (https://github.com/awdeorio/mailmerge) on the same 5,000-row CSV and body.
# Usage: internal/merge/testdata/mailmerge_bench.sh [path/to/securemerge]
# Exits 0 with a message when mailmerge is not installed (pip is not
# reachable on the build machines; Debian has no python3-mailmerge package).
set -eu

SECUREMERGE=${1:-securemerge}
ROWS=5000

if ! command -v mailmerge >/dev/null 2>&1; then
	echo "mailmerge is not installed; nothing to compare."
	if command -v apt-cache >/dev/null 2>&1; then
		apt-cache policy python3-mailmerge 2>/dev/null | head -3 || true
	fi
	echo "Install it with 'pipx install mailmerge' where PyPI is reachable, then re-run."
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The same data for both tools.
{
	echo "email,first_name,company,city"
	i=0
	while [ $i -lt $ROWS ]; do
		echo "user$i@example.com,Zoé$i,Société $((i % 97)),Lyon"
		i=$((i + 1))
	done
} > "$work/data.csv"

# mailmerge: Jinja2 template with a header block, like ours.
cat > "$work/mailmerge_template.txt" <<'TPL'
TO: {{email}}
SUBJECT: Invitation for {{first_name}}
FROM: events@example.com

Dear {{first_name}},

We are delighted to invite you{% if company %} with your colleagues at {{company}}{% endif %}.
The meeting takes place in {{city}}.
TPL
cat > "$work/mailmerge_server.conf" <<'CONF'
[smtp_server]
host = localhost
port = 25
security = Never
CONF

# securemerge: the same body in its template language.
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
	--database "$work/data.csv" --config "$work/mailmerge_server.conf" >/dev/null
t1=$(now)
"$SECUREMERGE" send --data "$work/data.csv" --template "$work/invite.tpl" --outbox "$work/outbox" >/dev/null
t2=$(now)

awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$ROWS" 'BEGIN {
	m = b - a; s = c - b
	printf "mailmerge --dry-run:       %6.2f s (%7.0f msgs/s)\n", m, n / m
	printf "securemerge send --outbox: %6.2f s (%7.0f msgs/s)\n", s, n / s
	printf "speed-up: %.1fx\n", m / s
}'
