#!/usr/bin/env bash
# A real aarch64 CPython for the aarch64 tests.
#
# On an aarch64 machine: the host's python3. On a Debian/Ubuntu x86_64 machine, as
# root: Debian bookworm's arm64 CPython 3.11, run under qemu-user through binfmt_misc
# (host package qemu-user-static; arm64 .debs unpacked into a sysroot, no chroot).
# Idempotent: the sysroot is cached (AARCH64_PYTHON_HOME, default
# ~/.cache/poetry-plugin-multiarch/aarch64-python) and only the binfmt registration is
# redone after a reboot. Every process running the emulated python needs
# QEMU_LD_PREFIX=<sysroot> (written to $AARCH64_PYTHON_HOME/env.sh).
#
# The last line printed is the interpreter's path; `--print` prints only that (and
# sets nothing up).
set -euo pipefail

BASE=${AARCH64_PYTHON_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/poetry-plugin-multiarch/aarch64-python}
ROOT=$BASE/root
PY=$ROOT/usr/bin/python3.11
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
export DEBIAN_FRONTEND=noninteractive

case "$(uname -m)" in
  aarch64 | arm64) command -v python3; exit 0 ;;
  x86_64) ;;
  *) echo "aarch64-python.sh: needs an x86_64 or aarch64 host, not $(uname -m)" >&2; exit 1 ;;
esac
if [ "${1:-}" = "--print" ]; then echo "$PY"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "aarch64-python.sh: run as root (installs qemu-user-static, registers binfmt_misc)" >&2
  exit 1
fi

T0=$(date +%s)
say() { echo "== [$(($(date +%s) - T0))s] $*"; }

# python3.11 and the shared libraries of the stdlib extension modules the tests use
# (ssl, hashlib, zlib, ctypes, bz2, lzma, sqlite3, readline, curses), ensurepip's wheels
# and Debian's split-out distutils/lib2to3; the C++ runtime manylinux wheels link
# (libstdc++.so.6, libgcc_s.so.1: numpy 2.x needs both) and Python's headers, for the
# test that builds a C++ extension.
PKGS="libc6 libgcc-s1 gcc-12-base libstdc++6 zlib1g libexpat1 libssl3 libffi8 libbz2-1.0
 liblzma5 libuuid1 libsqlite3-0 libcrypt1 libreadline8 readline-common libtinfo6
 libncursesw6 media-types libpython3.11-minimal python3.11-minimal libpython3.11-stdlib
 python3.11 python3.11-venv python3-pip-whl python3-setuptools-whl python3-distutils
 python3-lib2to3 libpython3.11-dev"
# host packages: the emulator, and a cross g++ for the tests' C++ extension
HOST_PKGS="qemu-user-static debian-archive-keyring g++-aarch64-linux-gnu"

if ! [ -x /usr/bin/qemu-aarch64-static ] || ! command -v aarch64-linux-gnu-g++ >/dev/null; then
  say "install $HOST_PKGS"
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $HOST_PKGS >/dev/null ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends \
        $HOST_PKGS >/dev/null; }
fi

BF=/proc/sys/fs/binfmt_misc
[ -e $BF/register ] || mount -t binfmt_misc binfmt_misc $BF
# the package's own line (Debian: qemu-aarch64.conf, flags OCF: the interpreter is
# opened now, so it works in containers; some releases name it qemu-aarch64-static)
conf=$(ls /usr/lib/binfmt.d/qemu-aarch64*.conf | head -n 1)
entry=$(cut -d: -f2 "$conf")
if [ ! -e "$BF/$entry" ]; then
  say "register $entry with binfmt_misc"
  cat "$conf" > $BF/register
fi
echo 1 > "$BF/$entry"

# .complete names the packages unpacked: a sysroot made from another list is made anew
# shellcheck disable=SC2086  # one line, single spaces
if [ "$(cat "$BASE/.complete" 2>/dev/null)" != "$(echo $PKGS)" ]; then
  say "download Debian bookworm arm64 packages"
  A=$BASE/apt
  rm -rf "$A" "$BASE/debs" "$ROOT"
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/sources.list.d" "$BASE/debs"
  cat > "$A/sources.list" <<EOF
deb [signed-by=$KEYRING] $MIRROR bookworm main
deb [signed-by=$KEYRING] $MIRROR bookworm-updates main
deb [signed-by=$KEYRING] $SECMIRROR bookworm-security main
EOF
  APT=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
       -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache"
       -o "Dir::Etc::SourceList=$A/sources.list" -o "Dir::Etc::SourceParts=$A/sources.list.d"
       -o Dir::State::Status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get -q "${APT[@]}" update >/dev/null
  # shellcheck disable=SC2086
  (cd "$BASE/debs" && apt-get -q "${APT[@]}" download $PKGS >/dev/null)

  say "unpack into the sysroot"
  mkdir -p "$ROOT"
  for deb in "$BASE"/debs/*.deb; do dpkg-deb -x "$deb" "$ROOT"; done
  rm -rf "$ROOT"/usr/share/{doc,man,info,lintian} "$A" "$BASE/debs"
  find "$ROOT/usr/lib" -name 'libpython3.11*.a' -delete   # headers only from -dev
  printf 'export QEMU_LD_PREFIX=%s\n' "$ROOT" > "$BASE/env.sh"

  say "byte-compile the stdlib under emulation (Debian ships no .pyc)"
  QEMU_LD_PREFIX=$ROOT "$PY" -m compileall -q -j0 -x 'lib2to3/tests|test/' \
    "$ROOT/usr/lib/python3.11" >/dev/null || true
  # shellcheck disable=SC2086
  echo $PKGS > "$BASE/.complete"
fi

QEMU_LD_PREFIX=$ROOT "$PY" -c 'import ctypes, platform, ssl, sys, sysconfig, venv
ctypes.CDLL("libstdc++.so.6")  # C++-linked wheels (numpy 2.x) load it
print("==", platform.machine(), sys.version.split()[0], sysconfig.get_platform())'
say "ready (source $BASE/env.sh before running it)"
echo "$PY"
