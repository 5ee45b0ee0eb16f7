#!/usr/bin/env bash
# Installs NVIDIA's offline PTX tools (ptxas, cuobjdump, nvdisasm of CUDA 11.8) for `ilgpunet ptx --ptxas` and the
# assembly test: Debian's non-free nvidia-cuda-toolkit package, downloaded with apt-get and unpacked with dpkg-deb
# (not installed: no driver, no GPU, none of its gigabytes of dependencies) into $ILGPUNET_CUDA_DIR/root
# (default /tmp/cuda/root; the tools land in root/usr/bin, where ILGpuNet looks for them).
# Idempotent: returns at once when the tools are there. Prints the folder holding ptxas on its last line.
# Needs Debian (12: CUDA 11.8) and, when apt does not yet know the package, root to add the contrib and non-free
# components as a source file of its own (ilgpunet-cuda.sources) and to refresh that source alone.
set -euo pipefail
dir="${ILGPUNET_CUDA_DIR:-/tmp/cuda}"
bin="$dir/root/usr/bin"
package=nvidia-cuda-toolkit

ready() { [ -x "$bin/ptxas" ] && [ -x "$bin/cuobjdump" ] && "$bin/ptxas" --version >/dev/null 2>&1; }
fail() {
  echo "install-ptxas: $*" >&2
  echo "install-ptxas: elsewhere, install any CUDA toolkit of 11.8 or later and set ILGPUNET_PTXAS to its ptxas" >&2
  exit 1
}

if ready; then echo "$bin"; exit 0; fi
command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 || fail "needs apt-get and dpkg-deb (Debian)"
mkdir -p "$dir"
# One installer at a time (CI and a test may start together).
exec 9>"$dir/.lock"
command -v flock >/dev/null 2>&1 && flock 9
if ready; then echo "$bin"; exit 0; fi

if ! apt-cache show "$package" >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "apt does not know $package (Debian's contrib/non-free components are off) and adding them needs root"
  . /etc/os-release
  [ "${ID:-}" = debian ] && [ -n "${VERSION_CODENAME:-}" ] || fail "not Debian (ID=${ID:-?}): $package 11.8 comes from Debian 12's non-free archive"
  eval "$(apt-config shell parts Dir::Etc::sourceparts/d)"
  source_file="${parts}ilgpunet-cuda.sources"
  echo "install-ptxas: adding contrib non-free of Debian $VERSION_CODENAME as $source_file" >&2
  cat >"$source_file" <<EOF
# Added by ILGpuNet's .ci/install-ptxas.sh for $package (ptxas); delete to undo.
Types: deb
URIs: http://deb.debian.org/debian
Suites: $VERSION_CODENAME
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # Refresh this source alone: fast, and leaves the others' indexes as they were.
  apt-get update -qq -o Dir::Etc::sourcelist="$source_file" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 \
    || fail "apt-get update failed (no network?)"
  apt-cache show "$package" >/dev/null 2>&1 || fail "apt still does not know $package after adding $source_file"
fi

download="$dir/download"
rm -rf "$download" "$dir/root.partial"
mkdir -p "$download"
# apt-get download checks the package against the signed index; it runs as the _apt user where it can.
(cd "$download" && chmod 777 . && apt-get download -qq "$package") || fail "apt-get download $package failed (no network?)"
dpkg-deb -x "$download"/${package}_*.deb "$dir/root.partial"
rm -rf "$dir/root"
mv "$dir/root.partial" "$dir/root"
rm -rf "$download"
ready || fail "unpacked $package, but $bin/ptxas does not run"
"$bin/ptxas" --version | grep -i release >&2 || true
echo "$bin"
