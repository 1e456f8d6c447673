#!/bin/sh
# Installs exactly the Debian 12 packages crmsync needs to build, test and run its demo.
# Idempotent: packages already present are left alone and apt is not touched at all.
# Usage: scripts/setup.sh            (as root, or with sudo available)
set -eu

packages="
  build-essential
  cmake
  ninja-build
  ccache
  pkg-config
  libboost1.81-dev
  libboost-json1.81-dev
  libboost-url1.81-dev
  libssl-dev
  ca-certificates
  openssl
  libsqlite3-dev
  sqlite3
  libyaml-cpp-dev
  libspdlog-dev
  libfmt-dev
  doctest-dev
  curl
  python3
  systemd
"

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "setup: all packages present"
  exit 0
fi

echo "setup: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
