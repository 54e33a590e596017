#!/usr/bin/env bash
# Installs what the client tests and `buf generate` need beyond npm: Debian's python3-grpcio,
# python3-protobuf and the protobuf compiler with its gRPC Python plugin (the Python client),
# Debian's chromium (the web console's browser test, driven by playwright-core, which never
# downloads a browser of its own), and the Go and OpenAPI code generators built from the Go
# module proxy into $(go env GOPATH)/bin.
# Idempotent: installed packages and generators of the right version are left alone.
set -euo pipefail

packages=(python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-clients: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-clients: Debian packages already installed"
fi

# Pinned generator versions; buf.gen.yaml names them as local plugins.
tools=(
  "google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.11"
  "connectrpc.com/connect/cmd/protoc-gen-connect-go@v1.19.1"
  "github.com/google/gnostic/cmd/protoc-gen-openapi@v0.7.1"
)
bin_dir="$(go env GOPATH)/bin"
for t in "${tools[@]}"; do
  name="$(basename "${t%@*}")"
  version="${t#*@}"
  # `go version -m` reads the module version a binary was built from: rebuild only when it differs.
  if [[ -x "${bin_dir}/${name}" ]] && go version -m "${bin_dir}/${name}" | grep -qE "^\s+mod\s+\S+\s+${version}(\s|$)"; then
    echo "install-clients: ${name} ${version} already built"
  else
    echo "install-clients: go install ${t}"
    go install "${t}"
  fi
done
