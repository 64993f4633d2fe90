#!/usr/bin/env bash
# Second command of the README: install, build with warnings as errors, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DJB_WERROR=ON -DJB_TESTS=ON
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 300 -j2 "$@"
