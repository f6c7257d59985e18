#!/usr/bin/env bash
# Load test of `stackpick serve` on loopback: wrk sends one pre-signed /ask
# interaction over and over; prints requests/s, latency percentiles and the
# server's peak RSS. Client and server share the machine.
#
#   scripts/load-serve.sh            # 20 s, 16 connections
#   DURATION=60 CONNECTIONS=64 scripts/load-serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18080}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
# The deployment profile (fat LTO), like the figures in the README.
cargo build --profile dist --quiet --bin stackpick --example signed_request

work=$(mktemp -d)
./target/dist/examples/signed_request "$work"

# The cooldown is off so every request gets a full answer, not a "slow down" notice.
DISCORD_PUBLIC_KEY=$(cat "$work/public_key") COOLDOWN_SECS=0 RUST_LOG=warn DATABASE_URL="${DATABASE_URL:-sqlite://$work/load.db}" \
  ./target/dist/stackpick serve --addr "127.0.0.1:$PORT" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.05; done

# One request first: it must be a real answer.
curl -fs -X POST "http://127.0.0.1:$PORT/interactions" -H 'content-type: application/json' \
  -H "x-signature-ed25519: $(cat "$work/signature")" -H "x-signature-timestamp: $(cat "$work/timestamp")" \
  --data-binary @"$work/body.json" | grep -q '"title":"Real-time chat' || { echo "serve did not answer the signed /ask"; exit 1; }

cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = io.open("$work/body.json"):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Signature-Ed25519"] = "$(cat "$work/signature")"
wrk.headers["X-Signature-Timestamp"] = "$(cat "$work/timestamp")"
LUA

echo "== wrk: ${CONNECTIONS} connections, ${DURATION}s, signed /ask"
wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/post.lua" "http://127.0.0.1:$PORT/interactions"
echo "== server memory"
grep -E 'VmHWM|VmRSS' "/proc/$server/status"
