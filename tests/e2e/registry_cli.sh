#!/usr/bin/env bash
# `scn-tools registry` against the embedded backend: list a node, list a party signed with SIGNER_KEY, read both
# back (human and JSON output), refuse a listing that would take another address's identity, delete.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '{"registry":{"backend":"embedded","path":"%s/registry.db"}}' "$dir" >"$dir/config.json"
run() { "$bin" --config "$dir/config.json" registry "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

operator_key=0xae6ae8e5ccbfb04590405997ee2d52d2b330726137b875053c36d94e974d162f
operator=0xf17f52151EbEF6C7334FAD080c5704D77216b732
party_key=0xc67fbc4a17662189f44f90506a229cd9e1e7c94c999a9e36151e18e7214a2840
other_key=0x0dbbe8e4ae425a6d2687f1a7e3ba17bc98c673636790f1b8ad91193c05875ef1

SIGNER_KEY=$operator_key run set-node http://localhost:8080 | grep -q "Listed node http://localhost:8080" || fail set-node
run list-nodes | grep -q "http://localhost:8080  operator 0xf17f52151ebef6c7334fad080c5704d77216b732" || fail list-nodes
SIGNER_KEY=$party_key run set-party CH CPO --role CPO --operator "$operator" | grep -q "Listed CH/CPO" || fail set-party
[[ "$(run get-party CH CPO --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')" == \
   0x741c7da1064a158aa96083d7aa5062efbca61687 ]] || fail get-party --json
run get-party --address 0x741C7DA1064A158Aa96083D7AA5062efBca61687 | grep -q "^CH/CPO  CPO" || fail get-party --address
if SIGNER_KEY=$other_key run set-party CH CPO --role EMSP --operator "$operator" 2>"$dir/err"; then
    fail "another address took CH/CPO"
fi
grep -q "already registered under different address" "$dir/err" || fail "refusal reason"
if run set-party CH MSP --role EMSP --operator "$operator" 2>"$dir/err"; then fail "no key"; fi
grep -q "set SIGNER_KEY" "$dir/err" || fail "missing key message"
grep -q "$party_key" "$dir/err" && fail "a key was printed"
SIGNER_KEY=$party_key run delete-party | grep -q "Deleted" || fail delete-party
if run get-party CH CPO >/dev/null; then fail "still listed after delete"; fi
echo "registry CLI: all checks passed"
