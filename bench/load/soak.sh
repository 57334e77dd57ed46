#!/usr/bin/env bash
# Soak: the sandbox (registry, node, CPO and MSP in one process) under a fixed mix for a while, its resident memory
# and open file descriptors sampled every 10 s. The mix, per second: 50 GETs through the node (the locations list, one
# location, the tariffs) as the MSP, one remote START_SESSION and the STOP_SESSION of the session started 19 s
# earlier (each with its CommandResult, session pushes every second and a CDR), on 127.0.0.1 only.
# Prints the samples and, after a warm-up of a fifth of the run, the slope of each (least squares, per minute).
# Usage: bench/load/soak.sh [seconds, default 600]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/load/lib.sh
seconds=${1:-600}
cmake --preset bench >/dev/null
cmake --build --preset bench --target scn-tools >/dev/null
bin=$PWD/build/bench/scn-tools

cd "$BENCH_TMP"
cat >config.json <<'JSON'
{ "cpo": { "session_update_interval": 1, "control_port": 0 }, "msp": { "control_port": 0 } }
JSON
"$bin" --config config.json sandbox --dir state >sandbox.log 2>&1 &
pid=$!
BENCH_PIDS+=("$pid")
eval "$("$bin" --config config.json sandbox --wait-ready --dir state --timeout 60)"

python3 - "$pid" "$seconds" "$SCN_NODE_URL" "$SCN_MSP_TOKEN" <<'PY'
import http.client, json, os, sys, time, urllib.parse, uuid

pid, seconds, node, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
url = urllib.parse.urlparse(node)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
headers = {"Authorization": f"Token {token}", "Content-Type": "application/json",
           "SCPI-From-Country-Code": "CH", "SCPI-From-Party-Id": "MSP",
           "SCPI-To-Country-Code": "CH", "SCPI-To-Party-Id": "CPO"}
token_obj = {"country_code": "CH", "party_id": "MSP", "uid": "CH-MSP-APP-0003", "type": "APP_USER",
             "contract_id": "CH-MSP-C00000003-3", "issuer": "Mock MSP", "valid": True, "whitelist": "NEVER",
             "last_updated": "2024-01-01T00:00:00Z"}
errors = 0

def call(method, path, body=None):
    global errors
    h = dict(headers, **{"X-Request-ID": str(uuid.uuid4()), "X-Correlation-ID": str(uuid.uuid4())})
    conn.request(method, "/scpi/" + path, body=json.dumps(body) if body is not None else None, headers=h)
    res = conn.getresponse()
    data = res.read()
    if res.status >= 300:
        errors += 1
    return json.loads(data) if data else None

def sample():
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))

def slope(points):
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0

start = time.monotonic()
samples, started, second, requests = [], [], 0, 0
next_sample = start
evses = [(f"Loc{i}", f"CH-CPO-S{i}E10000{e}") for i in range(1, 11) for e in (1, 2)]
while time.monotonic() - start < seconds:
    tick = time.monotonic()
    for i in range(50):
        call("GET", ["sender/2.2/locations?limit=10", "sender/2.2/locations/Loc3", "sender/2.2/tariffs"][i % 3])
    requests += 50
    loc, evse = evses[second % len(evses)]
    r = call("POST", "receiver/2.2/commands/START_SESSION",
             {"response_url": f"http://localhost:3001/scpi/sender/2.2/commands/START_SESSION/soak-{second}",
              "location_id": loc, "evse_uid": evse, "token": token_obj})
    started.append(second)
    if len(started) > 19:
        # The session started 19 s ago: the ACTIVE one at its EVSE among those updated in the last seconds.
        old = started.pop(0)
        loc, evse = evses[old % len(evses)]
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 5))
        sessions = call("GET", f"sender/2.2/sessions?date_from={since}&limit=100")
        for s in (sessions or {}).get("data", []):
            if s.get("evse_uid") == evse and s.get("status") == "ACTIVE":
                call("POST", "receiver/2.2/commands/STOP_SESSION",
                     {"response_url": f"http://localhost:3001/scpi/sender/2.2/commands/STOP_SESSION/soak-{old}",
                      "session_id": s["id"]})
                break
    requests += 3
    second += 1
    if time.monotonic() >= next_sample:
        rss, fds = sample()
        t = time.monotonic() - start
        samples.append((t, rss, fds))
        print(f"{t:7.0f} s  RSS {rss / 1024:8.1f} MiB  fds {fds:4d}  requests {requests}  errors {errors}", flush=True)
        next_sample += 10
    time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

warm = [s for s in samples if s[0] >= seconds / 5]
if len(warm) >= 2:
    rss_slope = slope([(t / 60, rss / 1024) for t, rss, _ in warm])
    fd_slope = slope([(t / 60, fds) for t, _, fds in warm])
    print(f"after warm-up ({len(warm)} samples from {warm[0][0]:.0f} s): "
          f"RSS {warm[0][1] / 1024:.1f} -> {warm[-1][1] / 1024:.1f} MiB, slope {rss_slope:+.3f} MiB/min; "
          f"fds {warm[0][2]} -> {warm[-1][2]}, slope {fd_slope:+.3f}/min; {requests} requests, {errors} errors")
PY
