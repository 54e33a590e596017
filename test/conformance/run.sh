#!/usr/bin/env bash
# Runs the Connect conformance suite (server mode) against test/conformance/server-under-test.ts.
# Builds the runner into $(go env GOPATH)/bin once; later runs reuse it.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=v1.0.7
export PATH="${PATH}:/usr/local/go/bin"
BIN="$(go env GOPATH)/bin/connectconformance"
if ! [ -x "$BIN" ] || ! "$BIN" --version 2>/dev/null | grep -q "${VERSION#v}"; then
  echo "building connectconformance ${VERSION}"
  go install "connectrpc.com/conformance/cmd/connectconformance@${VERSION}"
fi
args=(--mode server --conf test/conformance/config.yaml --parallel 4 --max-servers 2)
if [ -s test/conformance/known-failing.txt ]; then args+=(--known-failing @test/conformance/known-failing.txt); fi
exec "$BIN" "${args[@]}" "$@" -- node --import tsx test/conformance/server-under-test.ts
