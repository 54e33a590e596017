#!/usr/bin/env bash
# Installs FerretDB v1.24.2 (the MongoDB-wire server the test suite runs against) into
# $(go env GOPATH)/bin/ferretdb. Idempotent: does nothing when a working v1.24.2 is there.
#
# Why not plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: the module zip
# served by the Go proxy lacks the generated build/version/version.txt, and such a binary panics
# at start ("Invalid build/version/version.txt file content"). So we build the same module
# source, taken from the Go module cache/proxy, after writing that one file.
set -euo pipefail

version="v1.24.2"
module="github.com/FerretDB/FerretDB"
bin_dir="$(go env GOPATH)/bin"
bin="${bin_dir}/ferretdb"

# Capture first, then grep: `grep -q` quitting early would SIGPIPE the writer under pipefail.
reports_version() { local out; out="$("$1" --version 2>/dev/null)" || return 1; grep -qx "version: ${version}" <<<"${out}"; }

if [[ -x "${bin}" ]] && reports_version "${bin}"; then
  echo "install-ferretdb: ${bin} is already ${version}; nothing to do"
  exit 0
fi

src_dir="$(go mod download -json "${module}@${version}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [[ -z "${src_dir}" ]]; then
  echo "install-ferretdb: could not download ${module}@${version}" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'chmod -R u+w "${work}" && rm -rf "${work}"' EXIT
cp -r "${src_dir}" "${work}/src"
chmod -R u+w "${work}/src"
echo "${version}" > "${work}/src/build/version/version.txt"

mkdir -p "${bin_dir}"
build() {
  (cd "${work}/src" && go build -buildvcs=false "$@" -o "${work}/ferretdb" ./cmd/ferretdb)
}
if ! build 2> "${work}/build.log"; then
  # Newer Go toolchains reject the //go:linkname pulls some dependencies still use.
  if grep -q "linkname" "${work}/build.log"; then
    echo "install-ferretdb: build hit a linkname error; retrying with -ldflags=-checklinkname=0"
    build -ldflags=-checklinkname=0
  else
    cat "${work}/build.log" >&2
    exit 1
  fi
fi

reports_version "${work}/ferretdb"
mv -f "${work}/ferretdb" "${bin}"
echo "install-ferretdb: built ${module}@${version} with $(go version | cut -d' ' -f3) into ${bin}"
