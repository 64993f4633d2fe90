#!/usr/bin/env bash
# Builds the Debian package jumio-bridge_<version>-<revision>_<arch>.deb with CPack's DEB generator
# (cmake/Packaging.cmake) from a build tree, then runs lintian on it: errors fail the script,
# warnings and notes are printed.
#
# usage: scripts/package.sh [--build-dir DIR] [--output DIR] [--version UPSTREAM[-REVISION]]
#                           [--no-build] [--no-lintian]
#   --build-dir DIR  the CMake build directory (default: $BUILD_DIR or build); configured
#                    (build type $BUILD_TYPE or RelWithDebInfo) when it is not configured yet
#   --output DIR     where the .deb goes (default: the build directory)
#   --version V      the package's version (default: the project's, revision 1). Only the package
#                    is re-packed: the binary keeps reporting the project's version
#   --no-build       pack the tree as it is: build neither the daemon nor its man page first
#   --no-lintian     skip lintian
# The path of the .deb is the last line on stdout.
#
# Only the daemon and its man page are built (not the tests); the install rules then stage the
# /usr layout (`cmake --install --prefix /usr --strip` with DESTDIR), and cpack packs that staged
# tree (its own project install, which would first build every target, is turned off).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
output=""
version=""
build=1
lintian=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-lintian) lintian=0; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument '$1' (--help)" >&2; exit 64 ;;
  esac
done

for tool in cmake cpack dpkg-shlibdeps help2man; do
  if ! command -v "$tool" >/dev/null; then
    echo "package.sh: $tool is missing (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done

if [ ! -f "$build_dir/CPackConfig.cmake" ]; then
  if [ "$build" -eq 0 ]; then
    echo "package.sh: $build_dir is not a configured build tree" >&2
    exit 1
  fi
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
fi
build_dir=$(cd "$build_dir" && pwd)
if [ "$build" -eq 1 ]; then
  if ! grep -q '^JB_HELP2MAN:FILEPATH=/' "$build_dir/CMakeCache.txt"; then
    # Configured before help2man was installed.
    cmake -U JB_HELP2MAN "$build_dir" >&2
  fi
  cmake --build "$build_dir" --target jumio-bridge jumio-bridge-manpage -j"$(nproc)" >&2
fi
if [ ! -f "$build_dir/jumio-bridge.1.gz" ] || [ ! -x "$build_dir/daemon/jumio-bridge" ]; then
  echo "package.sh: $build_dir has no built daemon or man page" >&2
  exit 1
fi
output=${output:-$build_dir}
mkdir -p "$output"
output=$(cd "$output" && pwd)

cpack_args=(-G DEB --config "$build_dir/CPackConfig.cmake")
if [ -n "$version" ]; then
  if [[ ! "$version" =~ ^[0-9][A-Za-z0-9.+~]*(-[A-Za-z0-9.+~]+)?$ ]]; then
    echo "package.sh: '$version' is not a Debian version UPSTREAM[-REVISION]" >&2
    exit 64
  fi
  upstream=${version%-*}
  revision=1
  [ "$upstream" = "$version" ] || revision=${version##*-}
  cpack_args+=(-D "CPACK_PACKAGE_VERSION=$upstream" -D "CPACK_DEBIAN_PACKAGE_RELEASE=$revision")
fi

# Staging and CPack's work directory of this run alone: runs on one build tree do not collide.
work=$(mktemp -d "${TMPDIR:-/tmp}/jb-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! DESTDIR="$work/root" cmake --install "$build_dir" --prefix /usr --strip >"$work/install.log" 2>&1; then
  cat "$work/install.log" >&2
  echo "package.sh: staging the install failed" >&2
  exit 1
fi
cpack_args+=(-D "CPACK_INSTALL_CMAKE_PROJECTS=" -D "CPACK_INSTALLED_DIRECTORIES=$work/root;."
             -B "$work/cpack")
if ! (cd "$build_dir" && cpack "${cpack_args[@]}") >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log" >&2
  echo "package.sh: cpack failed" >&2
  exit 1
fi
debs=("$work"/cpack/*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
  cat "$work/cpack.log" >&2
  echo "package.sh: cpack wrote no .deb" >&2
  exit 1
fi
deb="$output/$(basename "${debs[0]}")"
mv -f "${debs[0]}" "$deb"

if [ "$lintian" -eq 1 ]; then
  if command -v lintian >/dev/null; then
    report=$(lintian --no-cfg --display-info --tag-display-limit 0 "$deb" 2>/dev/null || true)
    [ -z "$report" ] || printf 'lintian:\n%s\n' "$report" >&2
    if printf '%s\n' "$report" | grep -q '^E: '; then
      echo "package.sh: lintian reports errors" >&2
      exit 1
    fi
  else
    echo "package.sh: lintian is missing; not checked" >&2
  fi
fi
echo "$deb"
