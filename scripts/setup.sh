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
  dpkg-dev
  file
  chromium
  clang
  libclang-rt-14-dev
"

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

# Node.js runs graphql-js, the reference GraphQL validator, in one test. Any recent node will do (the
# machine may already have one from elsewhere than Debian); Debian's packages otherwise.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
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
else
  echo "setup: all packages present"
fi

# graphql-js for that test, pinned by tests/graphql/package-lock.json.
cd "$(dirname "$0")/.."
if [ ! -f tests/graphql/node_modules/graphql/package.json ]; then
  npm ci --prefix tests/graphql --no-audit --no-fund --loglevel=error
fi
