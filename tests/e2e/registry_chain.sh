#!/usr/bin/env bash
# Registration on a real chain: a local chain on 127.0.0.1 with the SCN Registry deployed from the contract package,
# a node listed with `scn-tools registry set-node`, a CPO and an MSP registered by `scn-tools mock --register-only`
# with signer ≠ spender, each listing confirmed by scn-tools and by the reference registry CLI; a second run needs no
# keys; failures say what is wrong (revert reason, unreachable chain, missing TOKEN_A before anything is sent,
# insufficient funds).
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
chain_dir=$root/tools/chain
dir=$(mktemp -d)
cd "$dir"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAILED: $*" >&2
    for f in "$dir"/*.log; do echo "--- $f" >&2; tail -20 "$f" >&2; done
    exit 1
}
wait_for() {  # file, text, tenths of a second
    for _ in $(seq 1 "${3:-100}"); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "no \"$2\" in $1"
}

chain_port=18544 node_port=18080 cpo_port=13000 msp_port=13001
node "$chain_dir/local-chain.js" --port $chain_port --stop-after 300 >chain.log 2>&1 &
pids+=($!)
wait_for chain.log '"registry"' 300
registry=$(head -1 chain.log | jq -r .registry)
[[ ${registry,,} == 0x345ca3e014aaf5dca488057592ee47305d9b3e10 ]] || fail "registry deployed at $registry"

operator_key=0xae6ae8e5ccbfb04590405997ee2d52d2b330726137b875053c36d94e974d162f  # funded dev key 1
operator=0xf17f52151ebef6c7334fad080c5704d77216b732
spender_key=0x0dbbe8e4ae425a6d2687f1a7e3ba17bc98c673636790f1b8ad91193c05875ef1   # funded dev key 2
cpo_key=0x1111111111111111111111111111111111111111111111111111111111111111      # no funds
msp_key=0x2222222222222222222222222222222222222222222222222222222222222222      # no funds
node_url=http://127.0.0.1:$node_port

config() {  # registry rpc
    jq -n --arg rpc "$1" --arg node "$node_url" --arg dir "$dir" --argjson np $node_port --argjson cp $cpo_port \
        --argjson mp $msp_port '{
      scn: {node: $node, stage: "local"},
      registry: {backend: "ethereum", stage: "local", rpc: $rpc},
      node: {port: $np, public_url: $node, api_key: "e2ekey", db: ($dir + "/node.db")},
      cpo: {port: $cp, publicIP: ("http://127.0.0.1:" + ($cp|tostring)), db: ($dir + "/cpo.db"), data: "data/cpo",
            roles: [{country_code: "CH", party_id: "CPO", role: "CPO", business_details: {name: "E2E CPO"}}]},
      msp: {port: $mp, publicIP: ("http://127.0.0.1:" + ($mp|tostring)), db: ($dir + "/msp.db"), data: "data/msp",
            roles: [{country_code: "CH", party_id: "MSP", role: "EMSP", business_details: {name: "E2E MSP"}}]}}'
}
config "http://127.0.0.1:$chain_port" >config.json
run() { "$bin" --config "$dir/config.json" "$@"; }
reference() {
    echo "{\"provider\":{\"host\":\"127.0.0.1\",\"port\":$chain_port}}" >network.json
    node "$chain_dir/node_modules/@shareandcharge/ocn-registry/dist/cli.js" "$@" --network-file "$dir/network.json"
}

# The node operator lists its node, paying itself.
SIGNER_KEY=$operator_key run registry set-node "$node_url" >set-node.log 2>&1 || fail "set-node"
grep -q "Listed node $node_url" set-node.log || fail "set-node output"
grep -q "mined in block" set-node.log || fail "set-node progress"
grep -q -- "$operator_key" set-node.log && fail "a key was printed"
[[ $(run registry get-node $operator) == "$node_url" ]] || fail "get-node"
reference list-nodes | grep -qi "$node_url" || fail "the reference CLI does not see the node"

NODE_KEY=$operator_key "$bin" --config "$dir/config.json" node >node.log 2>&1 &
pids+=($!)
wait_for node.log "SCN node listening" 100
token_a() {
    curl -sf -XPOST "$node_url/admin/generate-registration-token" -H 'Authorization: Token e2ekey' \
        -H 'Content-Type: application/json' -d '[]' | jq -r .token
}

# Missing TOKEN_A is reported before any transaction is sent.
if SIGNER_KEY=$cpo_key SPENDER_KEY=$spender_key run mock --cpo --register-only >notoken.log 2>&1; then
    fail "registration without TOKEN_A succeeded"
fi
grep -q "set TOKEN_A" notoken.log || fail "missing TOKEN_A message"
grep -q "transaction" notoken.log && fail "a transaction was sent without TOKEN_A"
[[ $(run registry get-party CH CPO) == "not listed" ]] || fail "CH/CPO listed without TOKEN_A"

# CPO and MSP: signed by their own (unfunded) keys, paid by the spender.
TOKEN_A=$(token_a) SIGNER_KEY=$cpo_key SPENDER_KEY=$spender_key run mock --cpo --register-only >cpo.log 2>&1 ||
    fail "CPO registration"
wait_for cpo.log "use Authorization Token" 10
grep -q "mined in block" cpo.log || fail "CPO transaction progress"
TOKEN_A=$(token_a) SIGNER_KEY=$msp_key SPENDER_KEY=$spender_key run mock --msp --register-only >msp.log 2>&1 ||
    fail "MSP registration"
grep -q "use Authorization Token" msp.log || fail "MSP token"
cat cpo.log msp.log | grep -q -- "$spender_key" && fail "a key was logged"
cat cpo.log msp.log | grep -q -- "${cpo_key#0x}" && fail "a key was logged"

cpo_address=0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a
msp_address=0x1563915e194d8cfba1943570603f7606a3115508
[[ $(run registry get-party CH CPO --json | jq -r '.address + " " + .operator + " " + (.roles|join(","))') == \
   "$cpo_address $operator CPO" ]] || fail "CH/CPO listing"
[[ $(run registry get-party --address $msp_address --json | jq -r '.country_code + "/" + .party_id') == CH/MSP ]] ||
    fail "CH/MSP by address"
reference get-party -c CH CPO | grep -qi "${cpo_address#0x}" || fail "the reference CLI does not see CH/CPO"
reference get-party -c CH MSP | grep -qi "${msp_address#0x}" || fail "the reference CLI does not see CH/MSP"
[[ $(run registry list-parties --json | jq length) == 2 ]] || fail "list-parties"

# A second run needs none of the variables.
run mock --cpo --register-only >again.log 2>&1 || fail "second run"
grep -q "use Authorization Token" again.log || fail "second run token"
grep -q "Listing" again.log && fail "the second run listed again"

# The contract's refusal, with its reason: another address cannot take CH/CPO.
if SIGNER_KEY=$spender_key run registry set-party CH CPO --role CPO --operator $operator 2>revert.log; then
    fail "another address took CH/CPO"
fi
grep -q "Party with country_code/party_id already registered under different address." revert.log ||
    fail "revert reason: $(cat revert.log)"

# A signer without funds and no spender.
if SIGNER_KEY=0x3333333333333333333333333333333333333333333333333333333333333333 \
    run registry set-party DE NOF --role CPO --operator $operator 2>funds.log; then
    fail "an unfunded signer paid"
fi
grep -q "insufficient funds" funds.log || fail "insufficient funds message: $(cat funds.log)"

# An unreachable chain is reported within the call timeout.
config "http://127.0.0.1:1" >down.json
start=$(date +%s)
if "$bin" --config down.json registry list-nodes 2>down.log; then fail "list-nodes without a chain"; fi
(($(date +%s) - start < 20)) || fail "unreachable chain took too long"
grep -q "not reachable" down.log || fail "unreachable message: $(cat down.log)"

# Deleting, paid by the spender.
SIGNER_KEY=$msp_key SPENDER_KEY=$spender_key run registry delete-party >/dev/null 2>&1 || fail "delete-party"
[[ $(run registry get-party CH MSP) == "not listed" ]] || fail "CH/MSP still listed"
echo "registry on a chain: all checks passed"
