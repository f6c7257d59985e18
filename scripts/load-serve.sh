#!/usr/bin/env bash
# Load test of `stackpick serve` on loopback, measured the honest way: the
# server pinned to one core (taskset -c 0) and wrk on the other (-c 1), 1,000
# distinct pre-signed /ask requests in rotation (the public dev set's
# questions, each request its own id, token and member; every one verified,
# nothing cached), the question log on (SQLite, or Postgres with DATABASE_URL),
# the cooldown off. Prints requests/s, latency percentiles, the server's peak
# RSS, its CPU time per request, and the question-log rows dropped (must be 0).
#
# With PEER_DIR set to a checkout of discord/discord-example-app at
# 0cb592adfe7da664118c236fb1ba2871cdeb61e1 (with `npm install` done; its
# app.js is copied and bound to 127.0.0.1), the peer's `test` command is
# measured the same way in the same run, and both rows are printed side by side.
#
#   scripts/load-serve.sh                              # dist profile, 15 s, 16 connections
#   PROFILE=release DURATION=30 scripts/load-serve.sh
#   PEER_DIR=~/discord-example-app scripts/load-serve.sh
#   STACKPICK_BIN=/tmp/stackpick-before scripts/load-serve.sh   # another build, before/after
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-16}
REQUESTS=${REQUESTS:-1000}
PORT=${PORT:-18080}
PEER_PORT=${PEER_PORT:-18081}
# The profile the README tells operators to deploy with (fat LTO).
PROFILE=${PROFILE:-dist}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed to pin server and client"; exit 1; }
cargo build --profile "$PROFILE" --quiet --bin stackpick --example signed_request
out=target/$PROFILE
[ "$PROFILE" = dev ] && out=target/debug
# The server measured: this tree's build, or STACKPICK_BIN (cargo puts its own
# build back over a binary copied into target/, so a before/after pair needs this).
bin=${STACKPICK_BIN:-$out/stackpick}

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# wrk's script: every request is the next line of requests.tsv (signature, tab, body).
# Built in init(), once wrk has set the Host header (Node refuses a request without one).
cat > "$work/rotate.lua" <<'LUA'
local requests, n, i = {}, 0, 0
function init(args)
  local dir = os.getenv("LOAD_DIR")
  local timestamp = io.open(dir .. "/timestamp"):read("*l")
  for line in io.lines(dir .. "/requests.tsv") do
    local sig, body = line:match("^(%x+)\t(.*)$")
    n = n + 1
    requests[n] = wrk.format("POST", "/interactions", {
      ["Content-Type"] = "application/json",
      ["X-Signature-Ed25519"] = sig,
      ["X-Signature-Timestamp"] = timestamp,
    }, body)
  end
end
function request()
  i = i % n + 1
  return requests[i]
end
LUA

# CPU seconds (user + system) a process has used so far.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# measure NAME PID URL DIR: one wrk run against a pinned server; prints a table row.
measure() {
  local name=$1 pid=$2 url=$3 dir=$4
  local before after report
  before=$(cpu_seconds "$pid")
  report=$(LOAD_DIR="$dir" taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/rotate.lua" "$url")
  after=$(cpu_seconds "$pid")
  echo "$report" >&2
  local rps p50 p99 total errors hwm
  rps=$(echo "$report" | awk '/^Requests\/sec/ { print $2 }')
  p50=$(echo "$report" | awk '$1 == "50%" { print $2 }')
  p99=$(echo "$report" | awk '$1 == "99%" { print $2 }')
  total=$(echo "$report" | awk '/requests in/ { print $1 }')
  errors=$(echo "$report" | awk '/Non-2xx/ { print $NF }')
  hwm=$(awk '/VmHWM/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status")
  local per_request
  per_request=$(awk -v a="$after" -v b="$before" -v n="$total" 'BEGIN { printf "%.0f µs", (a - b) * 1e6 / n }')
  echo "| $name | $rps | $p50 | $p99 | $hwm | $per_request | ${errors:-0} |"
}

# The server's first answer must be a real answer, not an error page.
check_answer() {
  local url=$1 dir=$2 expect=$3
  local sig body
  sig=$(head -n1 "$dir/requests.tsv" | cut -f1)
  body=$(head -n1 "$dir/requests.tsv" | cut -f2-)
  curl -fs -X POST "$url" -H 'content-type: application/json' \
    -H "x-signature-ed25519: $sig" -H "x-signature-timestamp: $(cat "$dir/timestamp")" \
    --data-binary "$body" | grep -q "$expect" || { echo "$url did not answer the first signed request"; exit 1; }
}

mkdir -p "$work/stackpick"
"$out/examples/signed_request" "$work/stackpick" "$REQUESTS"
DISCORD_PUBLIC_KEY=$(cat "$work/stackpick/public_key") COOLDOWN_SECS=0 RUST_LOG=warn \
  DATABASE_URL="${DATABASE_URL:-sqlite://$work/load.db}" STACKPICK_HASH_KEY="${STACKPICK_HASH_KEY:-$(printf 'ab%.0s' {1..32})}" \
  taskset -c 0 "$bin" serve --addr "127.0.0.1:$PORT" &
server=$!
pids+=("$server")
for _ in $(seq 200); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.05; done
check_answer "http://127.0.0.1:$PORT/interactions" "$work/stackpick" '"embeds"'

rows=()
rows+=("$(measure "stackpick serve ($PROFILE)" "$server" "http://127.0.0.1:$PORT/interactions" "$work/stackpick")")
sleep 1 # the question log's last batch
dropped=$(curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^stackpick_log_dropped_rows_total/ { print $2 }')

if [ -n "${PEER_DIR:-}" ]; then
  mkdir -p "$work/peer"
  "$out/examples/signed_request" "$work/peer" "$REQUESTS" test
  sed "s/app.listen(PORT, /app.listen(PORT, '127.0.0.1', /" "$PEER_DIR/app.js" > "$PEER_DIR/app-loopback.js"
  (cd "$PEER_DIR" && PUBLIC_KEY=$(cat "$work/peer/public_key") PORT=$PEER_PORT taskset -c 0 node app-loopback.js >/dev/null) &
  pids+=("$!")
  for _ in $(seq 200); do
    peer=$(pgrep -f "node app-loopback.js" | head -n1 || true)
    [ -n "$peer" ] && curl -s -o /dev/null "http://127.0.0.1:$PEER_PORT/" && break
    sleep 0.05
  done
  pids+=("$peer")
  check_answer "http://127.0.0.1:$PEER_PORT/interactions" "$work/peer" 'hello world'
  rows+=("$(measure "discord-example-app (\`test\`)" "$peer" "http://127.0.0.1:$PEER_PORT/interactions" "$work/peer")")
  rm -f "$PEER_DIR/app-loopback.js"
fi

echo
echo "$CONNECTIONS connections, ${DURATION} s, $REQUESTS distinct signed requests in rotation; server on core 0, wrk on core 1"
echo "| server | req/s | p50 | p99 | peak RSS | server CPU per request | non-2xx |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "question-log rows dropped: ${dropped:-unknown}"
[ "${dropped:-1}" = 0 ] || { echo "the question log dropped rows"; exit 1; }
