#!/usr/bin/env bash
# scn-tools installed like real software: `cmake --install` into a temporary prefix, then run from an empty
# directory outside the checkout: `--version`, the sandbox (ready through `sandbox --wait-ready`, no log parsing), the
# ten seed locations through the node, a second sandbox on the same ports refused with one clear line while the
# first keeps answering, and `mock --cpo --offline` from the same prefix after it was moved elsewhere.
set -euo pipefail
bin=$1
build_dir=$(dirname "$bin")
dir=$(mktemp -d)
cleanup() {
    [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null || true
    [[ -n "${mock_pid:-}" ]] && kill "$mock_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAILED: $*" >&2
    for log in "$dir"/*.log; do
        [[ -f $log ]] && { echo "--- $log ---" >&2; cat "$log" >&2; }
    done
    exit 1
}
locations() {  # locations <base URL> <token> [routing headers...]
    curl -s --max-time 10 "$1/scpi/sender/2.2/locations" -H "Authorization: Token $2" -H "X-Request-ID: 1" \
        -H "X-Correlation-ID: 1" "${@:3}" | jq '.data | length'
}
routing=(-H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH"
    -H "SCPI-To-Party-Id: CPO")

cmake --install "$build_dir" --prefix "$dir/prefix" >"$dir/install.log" || fail "cmake --install"
installed=$dir/prefix/bin/scn-tools
[[ -x $installed ]] || fail "no bin/scn-tools in the prefix"
[[ -f $dir/prefix/share/scn-tools/data/cpo/locations.json ]] || fail "no seed data in share/scn-tools/data"
mkdir "$dir/empty"
cd "$dir/empty"

version=$("$installed" --version)
[[ $version =~ ^scn-tools\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ [0-9a-f]{7,}(-modified)?\)$ ]] ||
    [[ $version =~ ^scn-tools\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ unknown\)$ ]] || fail "--version said: $version"

"$installed" sandbox --dir state >"$dir/sandbox.log" 2>&1 &
pid=$!
ready=$("$installed" sandbox --wait-ready --dir state --timeout 60) || fail "not ready: $ready"
eval "$ready"
[[ $SCN_NODE_URL == http://localhost:8080 && ${#SCN_MSP_TOKEN} -eq 36 && ${#SCN_CPO_TOKEN} -eq 36 ]] ||
    fail "--wait-ready printed: $ready"
[[ $(locations "$SCN_NODE_URL" "$SCN_MSP_TOKEN" "${routing[@]}") == 10 ]] || fail "ten locations through the node"

# A second sandbox while the first holds the ports: one clear line, a non-zero exit within seconds.
started=$(date +%s)
if timeout 20 "$installed" sandbox --dir other >"$dir/second.log" 2>&1; then
    fail "a second sandbox started on the same ports"
fi
(($(date +%s) - started < 10)) || fail "the second sandbox took more than 10 s to give up"
grep -qE "^scn-tools sandbox: the node cannot listen on [0-9.]+:8080: address already in use \(another sandbox" \
    "$dir/second.log" || fail "no clear message: $(cat "$dir/second.log")"
(($(wc -l <"$dir/second.log") <= 3)) || fail "more than the message: $(cat "$dir/second.log")"
# The same --dir while it runs: refused before anything is touched.
if timeout 20 "$installed" sandbox --dir state --reset >"$dir/third.log" 2>&1; then
    fail "a second sandbox started on the same --dir"
fi
grep -q "another sandbox (pid $pid) is running with --dir state" "$dir/third.log" || fail "$(cat "$dir/third.log")"
[[ $(locations "$SCN_NODE_URL" "$SCN_MSP_TOKEN" "${routing[@]}") == 10 ]] || fail "the first sandbox stopped answering"

kill -INT "$pid"
wait "$pid" || fail "sandbox exit status $?"
pid=
[[ ! -e state/ready.json ]] || fail "ready.json left behind after a clean stop"
if "$installed" sandbox --wait-ready --dir state --timeout 1 >/dev/null 2>"$dir/wait.log"; then
    fail "--wait-ready said ready with no sandbox running"
fi

# The prefix moved elsewhere: the binary still finds its data next to itself.
mv "$dir/prefix" "$dir/moved"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$dir/moved/bin/scn-tools" mock --cpo --offline --port "$port" --db cpo.db >"$dir/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 100); do
    grep -q "Accepting requests with Authorization Token" "$dir/mock.log" && break
    sleep 0.1
done
grep -q "with the data in $dir/moved/share/scn-tools/data/cpo" "$dir/mock.log" || fail "data not from the moved prefix"
token=$(grep -o "Accepting requests with Authorization Token [^ ]*" "$dir/mock.log" | awk '{print $NF}')
[[ $(locations "http://127.0.0.1:$port" "$token") == 10 ]] || fail "ten locations from the offline CPO"
[[ $("$dir/moved/bin/scn-tools" scenario list | wc -l) == 7 ]] || fail "the built-in scenarios from the moved prefix"
echo "install: all checks passed"
