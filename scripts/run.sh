#!/usr/bin/env bash
# First command of the README: install, build, and run the daemon on the embedded default config.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
JB_TESTS=OFF scripts/build.sh -DJB_TESTS=OFF
exec build/daemon/jumio-bridge serve --config config.yaml
