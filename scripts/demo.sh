#!/bin/sh
# Installs what is missing, builds, starts the sandbox emulators (Shopify + HubSpot, seeded with a few
# hundred people) and crmsyncd with config/demo.yaml, and shows what the daemon is doing.
# Ctrl-C stops both. State goes to ./demo-state/ (removed at each start).
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target crmsyncd crmsync-sandbox

bin=build/release
rm -rf demo-state
mkdir -p demo-state
cleanup() {
  trap - INT TERM EXIT
  [ -n "${daemon_pid:-}" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  [ -n "${sandbox_pid:-}" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  echo
  echo "demo stopped; the daemon's log is in demo-state/crmsyncd.log"
}
trap cleanup INT TERM EXIT

"$bin/crmsync-sandbox" --customers 300 --contacts 200 --shared 100 >demo-state/sandbox.log 2>&1 &
sandbox_pid=$!
for _ in $(seq 100); do
  grep -q "Control APIs" demo-state/sandbox.log 2>/dev/null && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat demo-state/sandbox.log; exit 1; }
  sleep 0.1
done
cat demo-state/sandbox.log

"$bin/crmsyncd" run --config config/demo.yaml >demo-state/crmsyncd.log 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
  curl -fs http://127.0.0.1:8787/healthz >/dev/null 2>&1 && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat demo-state/crmsyncd.log; exit 1; }
  sleep 0.1
done

cat <<INFO

crmsyncd is running: status page http://127.0.0.1:8787/  (JSON: http://127.0.0.1:8787/status, metrics: /metrics)

It copies the 300 sandbox Shopify customers into the sandbox HubSpot (which already holds 200 contacts,
100 of them with a customer's e-mail: those are matched, not duplicated), then follows every change.
Try an edit as a person would, and watch it arrive in HubSpot within a poll interval (2 s):
  curl -s -X PATCH http://127.0.0.1:8781/_sandbox/customers/9522206933001 -d '{"firstName":"Demo"}'
  curl -s http://127.0.0.1:8782/_sandbox/contacts | grep -o '"firstname":"Demo"'
Ctrl-C stops the demo.

INFO
while kill -0 "$daemon_pid" 2>/dev/null; do
  "$bin/crmsyncd" status --url http://127.0.0.1:8787 | head -2 | tr '\n' ' '
  echo
  sleep 5
done
