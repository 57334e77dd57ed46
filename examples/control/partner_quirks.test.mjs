// Tests a CPO-facing client could run against the sandbox's mock CPO, through the local SCN node, steering the
// mock with its control API. Node.js 18 or later (fetch, node:test).
//
// Start the sandbox, then: eval "$(scn-tools sandbox --wait-ready)" && node --test examples/control/partner_quirks.test.mjs
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

const CPO = process.env.SCN_CPO_CONTROL ?? "http://127.0.0.1:3100";
const NODE = process.env.SCN_NODE_URL ?? "http://localhost:8080";
const TOKEN = process.env.SCN_MSP_TOKEN; // the mock MSP's TOKEN_C: these requests are sent as CH/MSP

const control = async (method, path, body) => {
  const res = await fetch(`${CPO}${path}`, { method, body: body && JSON.stringify(body) });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
};

// An SCPI request from CH/MSP to CH/CPO through the node.
const scpi = (method, path, body) =>
  fetch(`${NODE}/scpi/${path}`, {
    method,
    headers: {
      Authorization: `Token ${TOKEN}`,
      "Content-Type": "application/json",
      "X-Request-ID": randomUUID(),
      "X-Correlation-ID": randomUUID(),
      "SCPI-From-Country-Code": "CH",
      "SCPI-From-Party-Id": "MSP",
      "SCPI-To-Country-Code": "CH",
      "SCPI-To-Party-Id": "CPO",
    },
    body: body && JSON.stringify(body),
  });

beforeEach(() => control("POST", "/control/reset"));

test("a remote start the charger rejects", async () => {
  await control("PUT", "/control/commands/START_SESSION/next", { response: "REJECTED" });
  const res = await scpi("POST", "receiver/2.2/commands/START_SESSION", {
    response_url: "http://localhost:3001/scpi/sender/2.2/commands/START_SESSION/js-1",
    location_id: "Loc1",
    evse_uid: "CH-CPO-S1E100001",
    token: {
      country_code: "CH", party_id: "MSP", uid: "CH-MSP-APP-0003", type: "APP_USER", contract_id: "CH-MSP-C00000003-3",
      issuer: "Mock MSP", valid: true, whitelist: "NEVER", last_updated: "2024-01-01T00:00:00Z",
    },
  });
  assert.equal((await res.json()).data.result, "REJECTED");
});

test("a CPO that answers 503 twice, then recovers", async () => {
  await control("PUT", "/control/faults", [{ module: "locations", method: "GET", http_status: 503, count: 2 }]);
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    const res = await scpi("GET", "sender/2.2/locations/Loc1");
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [503, 503, 200]);
  const seen = await control("GET", "/control/received?module=locations");
  assert.equal(seen.requests.filter((r) => r.status === 503).length, 2);
});
