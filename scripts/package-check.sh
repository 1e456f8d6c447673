#!/bin/sh
# Builds the Debian package from a release build folder and checks it the way an operator meets it:
# inspects the contents, installs it with dpkg, verifies the installed units, runs the installed binaries
# (check-config on the shipped example; the daemon against the shipped sandbox until /status reports a
# finished first sync), then purges it.
# Meant for CI and disposable machines: it needs root and installs, then removes, a system package.
# Usage: scripts/package-check.sh [BUILD_DIR]     (default build/release, as built by scripts/test.sh)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/release}

say() { echo "package-check: $*"; }
fail() { echo "package-check: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root: it installs and purges the crmsync package"
[ -f "$build/CPackConfig.cmake" ] || fail "$build is not a configured build folder (run scripts/test.sh first)"
if dpkg-query -W -f='${Status}' crmsync 2>/dev/null | grep -q "install ok installed"; then
  fail "crmsync is already installed here; this check would replace and purge it (dpkg --purge crmsync first)"
fi

work=$(mktemp -d /tmp/crmsync-package-check.XXXXXX)
installed=""
sandbox_pid=""
daemon_pid=""
instance=""
cleanup() {
  status=$?
  trap - EXIT INT TERM
  set +e # a stopped process's exit status must not end the cleanup early
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid"
  [ -n "$instance" ] && remove_instance
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid"
  if [ -n "$installed" ]; then
    dpkg --purge crmsync >"$work/purge.log" 2>&1 || cat "$work/purge.log"
  fi
  if [ "$status" -ne 0 ]; then
    for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done
  fi
  rm -rf "$work"
  exit "$status"
}
# The systemd instance this check creates, with its files and state; the state folders systemd made for
# it go too when nothing else is in them.
remove_instance() {
  systemctl stop "crmsyncd@$instance.service" 2>/dev/null || true
  systemctl reset-failed "crmsyncd@$instance.service" 2>/dev/null || true
  rm -rf "/etc/crmsync/$instance.yaml" "/etc/crmsync/credentials/$instance" \
    "/var/lib/crmsync/$instance" "/var/lib/private/crmsync/$instance"
  rmdir /var/lib/crmsync /var/lib/private/crmsync 2>/dev/null || true
  instance=""
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Polls "$@" every 0.2 s for up to $timeout seconds; no fixed sleeps.
wait_for() {
  timeout=$1
  shift
  i=0
  while [ "$i" -lt $((timeout * 5)) ]; do
    "$@" && return 0
    sleep 0.2
    i=$((i + 1))
  done
  return 1
}

say "building the package from $build"
cmake --build "$build" --target crmsyncd crmsync-sandbox
rm -rf "$build/package"
(cd "$build" && cpack -G DEB -B "$PWD/package") >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$build"/package/crmsync_*.deb)
say "built $deb ($(du -k "$deb" | cut -f1) KiB; debug symbols: $(ls "$build"/package/*.ddeb 2>/dev/null || echo none))"

say "inspecting it"
dpkg-deb -f "$deb" Package Version Architecture Maintainer Depends Recommends Installed-Size
dpkg-deb -c "$deb" >"$work/contents"
for path in ./usr/bin/crmsyncd ./usr/bin/crmsync-sandbox \
  ./usr/lib/systemd/system/crmsyncd.service ./usr/lib/systemd/system/crmsyncd@.service \
  ./etc/crmsync/crmsync.example.yaml ./etc/crmsync/credentials/ \
  ./usr/share/doc/crmsync/operations.md ./usr/share/doc/crmsync/examples/demo.yaml; do
  grep -q " $path\$" "$work/contents" || fail "the package lacks $path"
done
grep -q ' ./etc/crmsync/crmsync.yaml$' "$work/contents" && fail "the package must not ship an operator's crmsync.yaml"
grep -q '^drwx------ root/root .* ./etc/crmsync/credentials/$' "$work/contents" || fail "credentials/ is not 0700 root"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' || fail "no library dependencies (dpkg-shlibdeps did not run?)"
dpkg-deb -f "$deb" Depends | grep -q 'ca-certificates' || fail "no dependency on ca-certificates"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/crmsync/crmsync.example.yaml ||
  fail "the example is not a conffile"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/systemd/system/crmsyncd@.service |
  grep -q '^ExecStart=/usr/bin/crmsyncd run' || fail "the template unit does not start /usr/bin/crmsyncd"

say "installing it"
installed=yes
dpkg -i "$deb"
version=$(dpkg-query -W -f='${Version}' crmsync)
/usr/bin/crmsyncd --version | grep -qx "crmsyncd ${version%-*}" || fail "crmsyncd --version is not ${version%-*}"
say "/usr/bin/crmsyncd --version: $(/usr/bin/crmsyncd --version)"

units="/usr/lib/systemd/system/crmsyncd.service /usr/lib/systemd/system/crmsyncd@.service"
# shellcheck disable=SC2086
systemd-analyze verify $units
for unit in $units; do
  say "$(systemd-analyze security --offline=yes --threshold=20 "$unit" | grep 'Overall exposure')"
done

SHOPIFY_ACCESS_TOKEN=x SHOPIFY_CLIENT_SECRET=x HUBSPOT_ACCESS_TOKEN=x CRMSYNC_HTTP_TOKEN=x \
  /usr/bin/crmsyncd check-config --config /etc/crmsync/crmsync.example.yaml

say "starting the installed sandbox"
/usr/bin/crmsync-sandbox --shopify-port 0 --hubspot-port 0 --customers 60 --contacts 40 --shared 20 \
  >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
wait_for 20 grep -qs "Control APIs" "$work/sandbox.log" || fail "crmsync-sandbox did not start"
shopify_url=$(sed -n 's#^Shopify emulator: \(http://[^/]*\)/.*#\1#p' "$work/sandbox.log")
hubspot_url=$(sed -n 's#^HubSpot emulator: \(http://[^/]*\)/.*#\1#p' "$work/sandbox.log")

# The configuration reads its secrets as a systemd unit would hand them over (LoadCredential).
write_config() { # STATE_PATH
  cat <<YAML
state:
  path: $1
http:
  listen: 127.0.0.1:0
shopify:
  shop: demo.myshopify.com
  base_url: $shopify_url
  access_token_file: \${CREDENTIALS_DIRECTORY}/shopify_token
  client_secret_file: \${CREDENTIALS_DIRECTORY}/shopify_client_secret
  poll_interval: 1s
crm:
  type: hubspot
  base_url: $hubspot_url
  access_token_file: \${CREDENTIALS_DIRECTORY}/hubspot_token
  poll_interval: 1s
sync:
  direction: shopify_to_crm
YAML
}
write_credentials() { # DIR
  mkdir -p "$1"
  chmod 0700 "$1"
  printf 'shpat_sandbox_demo\n' >"$1/shopify_token"
  printf 'sandbox_demo_secret\n' >"$1/shopify_client_secret"
  printf 'pat-na1-sandbox-demo\n' >"$1/hubspot_token"
}

status_ok() { # URL: /status answers and the first sync is done
  /usr/bin/crmsyncd status --url "$1" --json >"$work/status.json" 2>/dev/null &&
    grep -q '"initial_sync_complete":true' "$work/status.json"
}

if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ -d /run/systemd/system ]; then
  # The template conflicts with crmsyncd.service: starting an instance would stop a running daemon.
  systemctl is-active --quiet crmsyncd.service && fail "crmsyncd.service is running here; not touching it"
  instance=pkgcheck$$
  say "systemd is PID 1: running the installed crmsyncd@$instance.service"
  write_credentials "/etc/crmsync/credentials/$instance"
  write_config "/var/lib/crmsync/$instance/state.db" >"/etc/crmsync/$instance.yaml"
  # Type=notify: start returns once the daemon has sent READY=1.
  systemctl start "crmsyncd@$instance.service" || {
    journalctl -u "crmsyncd@$instance.service" --no-pager | tail -n 40
    fail "crmsyncd@$instance.service did not start"
  }
  journal_port() { # the journal may lag a moment behind READY=1
    port=$(journalctl -u "crmsyncd@$instance.service" --no-pager -o cat |
      sed -n 's/.*HTTP on 127\.0\.0\.1:\([0-9]*\).*/\1/p' | tail -n 1)
    [ -n "$port" ]
  }
  wait_for 10 journal_port || fail "no 'HTTP on' line in the journal"
  wait_for 60 status_ok "http://127.0.0.1:$port" || fail "/status did not report a finished first sync"
  systemctl stop "crmsyncd@$instance.service"
  [ "$(systemctl show -P Result "crmsyncd@$instance.service")" = success ] || fail "the instance did not stop cleanly"
  remove_instance
else
  say "systemd is not PID 1 here (a container?): running /usr/bin/crmsyncd in the foreground instead of the unit"
  write_credentials "$work/credentials"
  write_config "$work/state/state.db" >"$work/crmsync.yaml"
  mkdir -p "$work/state"
  CREDENTIALS_DIRECTORY="$work/credentials" /usr/bin/crmsyncd check-config --config "$work/crmsync.yaml"
  CREDENTIALS_DIRECTORY="$work/credentials" /usr/bin/crmsyncd run --config "$work/crmsync.yaml" \
    >"$work/crmsyncd.log" 2>&1 &
  daemon_pid=$!
  wait_for 30 grep -qs "HTTP on 127.0.0.1:" "$work/crmsyncd.log" || fail "crmsyncd did not start listening"
  port=$(sed -n 's/.*HTTP on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/crmsyncd.log" | head -n 1)
  wait_for 60 status_ok "http://127.0.0.1:$port" || fail "/status did not report a finished first sync"
  kill -TERM "$daemon_pid"
  rc=0
  wait "$daemon_pid" || rc=$?
  daemon_pid=""
  [ "$rc" -eq 0 ] || fail "crmsyncd exited $rc on SIGTERM"
fi
say "/status: $(head -c 300 "$work/status.json")"

say "purging it"
installed=""
dpkg --purge crmsync
[ ! -e /usr/bin/crmsyncd ] || fail "/usr/bin/crmsyncd is still there after purge"
[ ! -e /etc/crmsync/crmsync.example.yaml ] || fail "the example configuration is still there after purge"
say "ok"
