#!/usr/bin/env node
// Starts a local chain on 127.0.0.1 for tests and deploys the SCN Registry (and Permissions) from the reference
// package's bytecode at the fixed "local" addresses. Prints one JSON line when ready:
//   {"rpc":"http://127.0.0.1:PORT","chain_id":9,"registry":"0x345c…","permissions":"0xf251…","keys":[…]}
// Usage: node local-chain.js [--port N] [--stop-after SECONDS]. Stops on SIGINT/SIGTERM or after --stop-after.
"use strict";
const path = require("path");
const ganache = require("ganache");

const MNEMONIC = "candy maple cake sugar pudding cream honey rich smooth crumble sweet treat";
const CHAIN_ID = 9;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

async function main() {
  const port = Number(arg("--port", "8544"));
  const stopAfter = Number(arg("--stop-after", "3600"));
  const server = ganache.server({
    wallet: { mnemonic: MNEMONIC, totalAccounts: 10, defaultBalance: 1000 },
    chain: { chainId: CHAIN_ID, networkId: CHAIN_ID },
    miner: { blockGasLimit: 10000000 },
    logging: { quiet: true },
  });
  await server.listen(port, "127.0.0.1");
  const provider = server.provider;
  const accounts = await provider.request({ method: "eth_accounts", params: [] });
  const deployer = accounts[0];
  const send = (tx) => provider.request({ method: "eth_sendTransaction", params: [tx] });
  const receipt = (hash) => provider.request({ method: "eth_getTransactionReceipt", params: [hash] });

  // The package's local addresses are the deployer's CREATE addresses at nonces 2 and 3.
  for (let i = 0; i < 2; i++) {
    await send({ from: deployer, to: deployer, value: "0x0" });
  }
  const defs = require(path.join(path.dirname(require.resolve("@shareandcharge/ocn-registry/package.json")),
                                 "contract.defs.local.json"));
  const deployed = {};
  for (const name of ["Registry", "Permissions"]) {
    // Permissions takes the Registry address as its constructor argument (one ABI-encoded address word).
    const args = name === "Permissions" ? deployed.Registry.slice(2).toLowerCase().padStart(64, "0") : "";
    const hash = await send({ from: deployer, data: defs[name].bytecode + args, gas: "0x7a1200" });
    const r = await receipt(hash);
    if (!r || r.status !== "0x1") throw new Error(`deploying ${name} failed`);
    deployed[name] = r.contractAddress;
    if (r.contractAddress.toLowerCase() !== defs[name].address.toLowerCase()) {
      throw new Error(`${name} landed at ${r.contractAddress}, expected ${defs[name].address}`);
    }
  }
  const initial = provider.getInitialAccounts();
  const keys = Object.keys(initial).map((address) => ({ address, key: initial[address].secretKey }));
  process.stdout.write(JSON.stringify({
    rpc: `http://127.0.0.1:${port}`, chain_id: CHAIN_ID, registry: deployed.Registry,
    permissions: deployed.Permissions, keys }) + "\n");

  const stop = async () => { await server.close(); process.exit(0); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  setTimeout(stop, stopAfter * 1000).unref();
  setInterval(() => {}, 1 << 30);
}

main().catch((e) => { console.error(`local chain: ${e.message}`); process.exit(1); });
