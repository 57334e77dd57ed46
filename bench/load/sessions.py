"""The measuring part of bench/load/sessions.sh: drives an offline mock CPO and its mock MSP (already started and
registered with each other) through START_SESSION for N distinct EVSEs, a charging window, STOP_SESSION for all
and the wait for their CDRs, and prints each figure next to its target. The requests at rate go through
sessions_load (a small C++ client, 32 keep-alive connections); everything else is Python's stdlib here.

Every wait is bounded; a phase that cannot be measured (the CPO too busy to answer, no session ids) is reported as
such and the later phases run with what there is.
"""
import argparse
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

CLK_TCK = os.sysconf("SC_CLK_TCK")
rows = []  # (measurement, result, target, verdict)


def report(measurement, result, target="", met=None):
    verdict = "" if met is None else ("met" if met else "MISSED")
    rows.append((measurement, result, target, verdict))
    print(f"  {measurement}: {result}" + (f"   (target {target}: {verdict})" if target else ""), flush=True)


def cpu_ticks(pid):
    """utime + stime of a process in clock ticks, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def runqueue_ns(pid):
    """Nanoseconds the threads of a process spent runnable but waiting for a CPU (/proc/<pid>/task/*/schedstat)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return total


class CpuWindow:
    def __init__(self, pids):
        self.pids = pids
        self.start = time.monotonic()
        self.ticks = {pid: cpu_ticks(pid) for pid in pids}
        self.waits = {pid: runqueue_ns(pid) for pid in pids}

    def cores(self):
        elapsed = time.monotonic() - self.start
        out = {}
        for pid in self.pids:
            now = cpu_ticks(pid)
            before = self.ticks[pid]
            out[pid] = None if now is None or before is None else (now - before) / CLK_TCK / elapsed
        return out

    def waiting(self, pid):
        """Cores' worth of time the process was ready to run but had no CPU (it wanted that much more)."""
        elapsed = time.monotonic() - self.start
        now, before = runqueue_ns(pid), self.waits[pid]
        return None if now is None or before is None else (now - before) / 1e9 / elapsed


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


def fmt(v, unit="", digits=1):
    return "n/a" if v is None else f"{v:,.{digits}f}{unit}"


def http_json(port, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        return res.status, json.loads(data) if data else None
    finally:
        conn.close()


def control_state(port, timeout):
    """A party's GET /control/state, or None (with the reason printed) when it does not answer in time."""
    try:
        status, state = http_json(port, "GET", "/control/state", timeout=timeout)
        if status == 200:
            return state
        print(f"  GET /control/state on :{port}: HTTP {status}", flush=True)
    except (OSError, http.client.HTTPException, ValueError) as e:
        print(f"  GET /control/state on :{port}: {e} (waited at most {timeout} s)", flush=True)
    return None


def cpo_db(args, query):
    """Rows from the CPO's database, read-only (the CPO keeps writing it): for when its control API cannot answer."""
    try:
        db = sqlite3.connect(f"file:{args.cpo_db}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute(query).fetchall()
        finally:
            db.close()
    except sqlite3.Error as e:
        print(f"  reading {args.cpo_db}: {e}", flush=True)
        return None


def cpo_outbox(args, state):
    """(queued, dead letters) of the CPO's outbox: from its control state, else from its database."""
    if state is not None:
        outbox = state.get("outbox", {})
        return outbox.get("queued"), outbox.get("dead_letters")
    rows = cpo_db(args, "select (select count(*) from outbox), (select count(*) from outbox_dead)")
    return rows[0] if rows else (None, None)


def running_sessions(args):
    """The sessions running at the CPO, as {id, status, evse_uid}: its control API's list, else its database's."""
    state = control_state(args.cpo_control, 30)
    if state is not None:
        return state.get("sessions", []), state, "its control API"
    rows = cpo_db(args, "select state from charging") or []
    sessions = []
    for (text,) in rows:
        s = json.loads(text)["session"]
        sessions.append({"id": s["id"], "status": s["status"], "evse_uid": s["evse_uid"]})
    return sessions, None, "its database (the control API did not answer within 30 s)"


def watch_outbox(args):
    """Polls the CPO's outbox (its database, read-only) every 100 ms in a thread, from now until it is empty again
    after the STARTs filled it, or stop is set: when it was empty ("after", seconds from now) and the most queued
    seen."""
    began = time.monotonic()
    out = {"after": None, "most": None, "stop": threading.Event(), "elapsed": lambda: time.monotonic() - began}

    def poll():
        while not out["stop"].is_set():
            rows = cpo_db(args, "select count(*) from outbox")
            if rows:
                out["most"] = max(out["most"] or 0, rows[0][0])
                if rows[0][0] == 0 and out["most"] > 0:
                    out["after"] = time.monotonic() - began
                    return
            out["stop"].wait(0.1)

    out["thread"] = threading.Thread(target=poll, daemon=True)
    out["thread"].start()
    return out


def count(v):
    return "?" if v is None else f"{v:,}"


def available_evses(data_dir, wanted):
    """(location id, EVSE uid) of AVAILABLE EVSEs in the generated data set, one per EVSE, in file order."""
    found = []
    with open(os.path.join(data_dir, "locations.jsonl"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip().rstrip(",")
            if not line:
                continue
            loc = json.loads(line)
            for evse in loc.get("evses", []):
                if evse.get("status") == "AVAILABLE" and evse.get("connectors"):
                    found.append((loc["id"], evse["uid"]))
                    if len(found) == wanted:
                        return found, loc["id"]
    return found, found[0][0] if found else "Loc1"


def run_load(args, mode_args):
    out = subprocess.run([args.load, *map(str, mode_args)], capture_output=True, text=True,
                         timeout=args.seconds + 120)
    if out.returncode != 0:
        raise RuntimeError(f"sessions_load {mode_args[0]} failed: {out.stderr.strip()}")
    return out.stdout.split()


def post_phase(args, name, requests, window):
    """POSTs the commands through sessions_load; returns [(index, sent ms, latency ms, result)] and the time taken."""
    req_file = os.path.join(args.tmp, f"{name}.requests")
    res_file = os.path.join(args.tmp, f"{name}.results")
    with open(req_file, "w") as f:
        for path, body in requests:
            f.write(path + "\t" + json.dumps(body, separators=(",", ":")) + "\n")
    sent, taken = run_load(args, ["post", args.cpo_port, args.token, args.threads, window, req_file, res_file])
    results = []
    with open(res_file) as f:
        for line in f:
            i, sent_ms, latency, result = line.rstrip("\n").split("\t", 3)
            results.append((int(i), float(sent_ms), float(latency), result))
    results.sort(key=lambda r: r[0])
    return results, float(taken)


def summarise_results(results):
    counts = {}
    for r in results:
        counts[r[3]] = counts.get(r[3], 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def sample_msp(args, session_ids, n, rng):
    """GETs n random sessions from the MSP's sessions receiver (8 threads): ages in seconds of its copies (wall clock
    at the answer minus the copy's last_updated) and the number it does not have."""
    picked = rng.sample(session_ids, min(n, len(session_ids)))
    ages, missing, failed = [], [0], [0]
    lock = threading.Lock()
    chunks = [picked[i::8] for i in range(8)]

    def worker(ids):
        conn = http.client.HTTPConnection("127.0.0.1", args.msp_port, timeout=10)
        for sid in ids:
            headers = {"Authorization": f"Token {args.msp_token}", "X-Request-ID": str(uuid.uuid4()),
                       "X-Correlation-ID": str(uuid.uuid4()), "SCPI-From-Country-Code": "CH",
                       "SCPI-From-Party-Id": "CPO", "SCPI-To-Country-Code": "CH", "SCPI-To-Party-Id": "MSP"}
            try:
                conn.request("GET", f"/scpi/receiver/2.2/sessions/CH/CPO/{sid}", headers=headers)
                res = conn.getresponse()
                body = json.loads(res.read() or b"{}")
                now = time.time()
            except (OSError, http.client.HTTPException, ValueError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.msp_port, timeout=10)
                with lock:
                    failed[0] += 1
                continue
            with lock:
                data = body.get("data") if isinstance(body, dict) else None
                if res.status == 200 and isinstance(data, dict) and "last_updated" in data:
                    updated = datetime.fromisoformat(data["last_updated"].replace("Z", "+00:00"))
                    ages.append(now - updated.timestamp())
                elif res.status == 404 or (isinstance(body, dict) and body.get("status_code") == 2003):
                    missing[0] += 1
                else:
                    failed[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks if c]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return ages, missing[0], failed[0]


def main():
    p = argparse.ArgumentParser()
    for name in ("load", "token", "msp-token", "data", "tmp", "cpo-db"):
        p.add_argument("--" + name, required=True)
    for name in ("cpo-port", "cpo-control", "msp-port", "msp-control", "cpo-pid", "msp-pid", "sessions", "seconds"):
        p.add_argument("--" + name, type=int, required=True)
    p.add_argument("--threads", type=int, default=32)
    p.add_argument("--get-seconds", type=float, default=5)
    p.add_argument("--charge-seconds", type=float, default=30)
    p.add_argument("--idle-seconds", type=float, default=10)
    p.add_argument("--cdr-wait", type=float, default=120)
    p.add_argument("--burst-wait", type=float, default=60)
    p.add_argument("--samples", type=int, default=200)
    args = p.parse_args()
    rng = random.Random(42)
    pids = {"CPO": args.cpo_pid, "MSP": args.msp_pid}

    evses, get_location = available_evses(args.data, args.sessions)
    if len(evses) < args.sessions:
        print(f"only {len(evses)} AVAILABLE EVSEs in the data set: starting {len(evses)} sessions", flush=True)
    n = len(evses)
    msp_before = control_state(args.msp_control, 30) or {}
    cdrs_before = msp_before.get("stored_cdrs", 0)
    results_before = msp_before.get("command_results", 0)

    # 1. The baseline: GET one location from the same 32 connections.
    print(f"GET /scpi/sender/2.2/locations/{get_location} for {args.get_seconds:g} s, {args.threads} connections...",
          flush=True)
    rps, p50, p99, failed = run_load(args, ["get", args.cpo_port, args.token,
                                            f"/scpi/sender/2.2/locations/{get_location}", args.get_seconds,
                                            args.threads])
    get_rps = float(rps)
    report("GET one location (baseline)", f"{get_rps:,.0f} req/s, p50 {float(p50):.2f} ms, p99 {float(p99):.2f} ms"
           + (f", {failed} failed" if failed != "0" else ""))

    # 2. START_SESSION for n distinct EVSEs within the window.
    print(f"START_SESSION for {n} EVSEs, at most {args.seconds} s...", flush=True)
    token = {"country_code": "CH", "party_id": "MSP", "type": "APP_USER", "issuer": "Mock MSP", "valid": True,
             "whitelist": "NEVER", "last_updated": "2026-01-01T00:00:00Z"}
    starts = [("/scpi/receiver/2.2/commands/START_SESSION",
               {"response_url": f"http://127.0.0.1:{args.msp_port}/scpi/sender/2.2/commands/START_SESSION/bench-{i}",
                "location_id": loc, "evse_uid": evse,
                "token": dict(token, uid=f"BENCH-{i:06d}", contract_id=f"CH-MSP-B{i:08d}")})
              for i, (loc, evse) in enumerate(evses)]
    cpu = CpuWindow(list(pids.values()))
    results, taken = post_phase(args, "start", starts, args.seconds)
    drained = watch_outbox(args)
    burst_cpu = CpuWindow(list(pids.values()))
    start_cpu = cpu.cores()
    start_wait = cpu.waiting(args.cpo_pid)
    accepted = [r for r in results if r[3] == "ACCEPTED"]
    answered = [r for r in results if not r[3].startswith("error")]
    # Time taken: from the first request to the last answer.
    span = max((r[1] + r[2] for r in results), default=0) / 1000
    start_rate = len(answered) / span if span else 0
    last = [r[2] for r in results[-1000:]]
    report("sessions started (ACCEPTED answers)", f"{len(accepted):,} of {n:,} in {span:.1f} s"
           + ("" if len(results) == n else f" ({n - len(results):,} not sent within the window)"),
           f"{args.sessions:,} within {args.seconds} s", len(accepted) >= args.sessions and span <= args.seconds)
    if len(accepted) != len(results):
        report("START answers", summarise_results(results))
    report("START rate", f"{start_rate:,.0f}/s = {start_rate / get_rps:.2g} of GET" if get_rps else "n/a",
           ">= 0.5 of GET", get_rps > 0 and start_rate / get_rps >= 0.5)
    report("START p50 / p99, last 1,000", f"{fmt(pct(last, 50), ' ms', 2)} / {fmt(pct(last, 99), ' ms', 2)}",
           "p99 <= 50 ms", bool(last) and pct(last, 99) <= 50)
    tenths = []
    for k in range(10):
        part = results[k * len(results) // 10:(k + 1) * len(results) // 10]
        if part:
            tenths.append(f"{statistics.median(r[2] for r in part):.1f}")
    report("START median latency per tenth of the sessions, ms", " ".join(tenths))
    report("CPU while starting, cores", f"CPO {fmt(start_cpu[args.cpo_pid], '', 2)} "
           f"(+{fmt(start_wait, '', 2)} waiting for a CPU), "
           f"MSP {fmt(start_cpu[args.msp_pid], '', 2)}")

    # 3. The sessions' ids at the CPO (its control API lists the running ones with their EVSE).
    listed, state, source = running_sessions(args)
    ours = {evse for _, evse in evses}
    sessions = [s for s in listed if s.get("evse_uid") in ours]
    queued, dead = cpo_outbox(args, state)
    report("sessions running at the CPO", f"{len(sessions):,} (ACTIVE {sum(s['status'] == 'ACTIVE' for s in sessions):,}), "
           f"outbox {count(queued)} queued, {count(dead)} dead; from {source}")
    session_ids = [s["id"] for s in sessions]
    # Started: what the CPO runs (a START whose answer came after the client's 30 s counts too).
    started = max(len(session_ids), len(accepted))

    # The burst: every START has its result, its location change and its session's first state to deliver. The
    # charging window begins once the outbox is empty again (or after at most --burst-wait s): it measures the steady
    # state, the burst is reported on its own.
    drained["thread"].join(timeout=max(0.0, args.burst_wait - drained["elapsed"]()))
    drained["stop"].set()
    burst = burst_cpu.cores()
    report("START burst delivered (CPO outbox empty again)",
           (f"{drained['after']:.1f} s after the last START answer" if drained["after"] is not None
            else f"not within {args.burst_wait:g} s") + f", {count(drained['most'])} messages queued at most; "
           f"CPU meanwhile: CPO {fmt(burst[args.cpo_pid], '', 2)}, MSP {fmt(burst[args.msp_pid], '', 2)}")

    # 4. While they charge: CPU of both parties, and the freshness of the MSP's copies.
    print(f"{len(session_ids):,} sessions charging: {args.charge_seconds:g} s of CPU use and samples of the MSP's "
          "copies...", flush=True)
    cpu = CpuWindow(list(pids.values()))
    ages, missing, sample_failed = [], [], 0
    window_end = time.monotonic() + args.charge_seconds
    if session_ids:
        for k in range(3):
            time.sleep(max(0.0, cpu.start + args.charge_seconds * (k + 0.5) / 3 - time.monotonic()))
            a, m, f = sample_msp(args, session_ids, args.samples, rng)
            ages += a
            missing.append(m)
            sample_failed += f
    time.sleep(max(0.0, window_end - time.monotonic()))
    charge_cpu = cpu.cores()
    used, wanted = charge_cpu[args.cpo_pid], cpu.waiting(args.cpo_pid)
    # A CPO that had the CPU, or waited for it, nearly all the time is saturated: it would have used more.
    saturated = used is not None and wanted is not None and used + wanted >= 0.95
    report(f"CPO CPU while {started:,} charge", f"{fmt(used, ' cores', 2)} (+{fmt(wanted, '', 2)} waiting for a CPU)"
           + (": saturated" if saturated else ""), "<= 1 core", used is not None and used <= 1.0 and not saturated)
    report(f"MSP CPU while {started:,} charge", f"{fmt(charge_cpu[args.msp_pid], ' cores', 2)}")
    if session_ids:
        report(f"MSP copy age, {len(missing)} samples of {min(args.samples, len(session_ids))}",
               f"p50 {fmt(pct(ages, 50), ' s', 2)}, p99 {fmt(pct(ages, 99), ' s', 2)}, "
               f"max {fmt(max(ages) if ages else None, ' s', 2)}",
               "p99 <= 2.5 s", bool(ages) and pct(ages, 99) <= 2.5)
        report("sampled sessions the MSP lacks", " / ".join(map(str, missing))
               + (f" ({sample_failed} reads failed)" if sample_failed else ""),
               "none", bool(missing) and max(missing) == 0 and sample_failed == 0)
    else:
        report("MSP copy age", "not measured: no session ids", "p99 <= 2.5 s", False)
    msp = control_state(args.msp_control, 30)
    if msp is not None:
        report("MSP: sessions stored, command results so far",
               f"{msp.get('stored_sessions', 0):,}, {msp.get('command_results', 0) - results_before:,}")

    # 5. STOP_SESSION for all of them, then the CDRs.
    print(f"STOP_SESSION for {len(session_ids):,} sessions, at most {args.seconds} s...", flush=True)
    stops = [("/scpi/receiver/2.2/commands/STOP_SESSION",
              {"response_url": f"http://127.0.0.1:{args.msp_port}/scpi/sender/2.2/commands/STOP_SESSION/bench-{i}",
               "session_id": sid}) for i, sid in enumerate(session_ids)]
    stopped = []
    if stops:
        stop_results, _ = post_phase(args, "stop", stops, args.seconds)
        stopped = [r for r in stop_results if r[3] == "ACCEPTED"]
        stop_span = max((r[1] + r[2] for r in stop_results), default=0) / 1000
        stop_last = [r[2] for r in stop_results[-1000:]]
        report("sessions stopped (ACCEPTED)", f"{len(stopped):,} of {started:,} in {stop_span:.1f} s "
               f"(p99 of the last 1,000: {fmt(pct(stop_last, 99), ' ms', 0)})",
               "every session", len(stopped) == started > 0)
        if len(stopped) != len(stop_results):
            report("STOP answers", summarise_results(stop_results))
    else:
        report("sessions stopped (ACCEPTED)", "none: no session ids", "every session", False)

    print(f"waiting (at most {args.cdr_wait:g} s) for {len(stopped):,} CDRs at the MSP...", flush=True)
    wait_start = time.monotonic()
    cdrs, command_results, last_change, seen = 0, 0, wait_start, 0
    expected_results = started + len(stopped)
    while time.monotonic() - wait_start < args.cdr_wait:
        msp = control_state(args.msp_control, 10)
        if msp is not None:
            cdrs = msp.get("stored_cdrs", 0) - cdrs_before
            command_results = msp.get("command_results", 0) - results_before
            if cdrs != seen:
                seen, last_change = cdrs, time.monotonic()
            if cdrs >= len(stopped) and command_results >= expected_results:
                break
        time.sleep(2)
    all_cdrs = time.monotonic() - wait_start
    if cdrs >= started > 0:
        when = f" ({all_cdrs:.1f} s after the stops)"
    elif cdrs > 0:
        when = f" after {args.cdr_wait:g} s (the last {last_change - wait_start:.0f} s into the wait)"
    else:
        when = f" after {args.cdr_wait:g} s"
    report("CDRs received by the MSP", f"{cdrs:,} of {started:,} started" + when,
           "one per session started", cdrs == started > 0)
    report("async command results received by the MSP", f"{command_results:,} of {expected_results:,} "
           f"(START {started:,} + STOP {len(stopped):,})")

    # 6. Once all are stopped: the CPO's CPU for a while.
    cpu = CpuWindow(list(pids.values()))
    time.sleep(args.idle_seconds)
    idle = cpu.cores()
    report(f"CPO CPU once all stopped ({args.idle_seconds:g} s)", f"{fmt(idle[args.cpo_pid], ' cores', 3)} "
           f"(+{fmt(cpu.waiting(args.cpo_pid), '', 3)} waiting for a CPU)",
           "<= 0.05 core", idle[args.cpo_pid] is not None and idle[args.cpo_pid] <= 0.05)
    report(f"MSP CPU once all stopped ({args.idle_seconds:g} s)", fmt(idle[args.msp_pid], " cores", 3))
    listed, state, source = running_sessions(args)
    queued, dead = cpo_outbox(args, state)
    report("CPO at the end", f"{len(listed):,} sessions running, outbox {count(queued)} queued, {count(dead)} dead "
           f"letters; from {source}")
    for name, pid in pids.items():
        if cpu_ticks(pid) is None:
            report(f"the {name}", "is no longer running")

    print()
    print(f"{'measurement':<36} {'result':<56} {'target':<24} ")
    for m, r, t, v in rows:
        if t:
            print(f"{m:<36} {r:<56} {t:<24} {v}")


if __name__ == "__main__":
    main()
