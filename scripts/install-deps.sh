#!/usr/bin/env bash
# Installs what jumio-bridge needs to build, run and test, from Debian's packages.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libcpp-httplib-dev librdkafka-dev rapidjson-dev libyaml-cpp-dev libssl-dev
  libgtest-dev libgmock-dev iso-codes curl
  openssl  # tests/integration/security_test: a throw-away TLS certificate
  libsystemd-dev systemd
  libjemalloc-dev  # the daemon's allocator (daemon/CMakeLists.txt)
  wrk linux-perf  # bench/run.sh: load generator, and its --profile mode
  nginx-light haproxy  # tests/integration: requests replayed through real reverse proxies
  python3 python3-h11  # tests: h11, a second HTTP/1.1 parser, as the framing parser's oracle
  python3-jsonschema  # tests: a second JSON Schema validator over every event the tests produce
  python3-kafka  # tests: Kafka's murmur2 partitioner, computed independently of librdkafka
  prometheus  # tests: promtool checks and unit-tests monitoring/alerts.yml
  dpkg-dev debhelper lintian help2man  # scripts/package.sh: the .deb, its man page and checks
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

# tests/schema-validators: ajv, ajv-formats and ajv-draft-04 as package-lock.json pins them, for
# tests/unit/schema_validators_test (skipped without them). Skipped when already installed.
validators="$(cd "$(dirname "$0")/.." && pwd)/tests/schema-validators"
if [ -f "$validators/node_modules/.package-lock.json" ] &&
   [ ! "$validators/package-lock.json" -nt "$validators/node_modules/.package-lock.json" ]; then
  :
elif command -v npm >/dev/null 2>&1; then
  (cd "$validators" && npm ci --no-audit --no-fund --ignore-scripts)
else
  echo "install-deps: no npm; tests/unit/schema_validators_test will skip ajv" >&2
fi
