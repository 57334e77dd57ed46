#!/usr/bin/env python3
"""Opens a page in headless Chromium and drives it over the DevTools protocol on a pipe (--remote-debugging-pipe: no
port, no WebSocket library), until a JavaScript condition holds; then writes the page's DOM and a full-page
screenshot. Every wait is bounded.

Usage: console_page.py URL DOM_FILE PNG_FILE CONDITION [SECONDS [READY_CONDITION READY_FILE]]
With READY_CONDITION, READY_FILE is created as soon as that holds (e.g. the page is live), before CONDITION is awaited.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

url, dom_file, png_file, condition = sys.argv[1:5]
seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 30
ready_condition, ready_file = sys.argv[6:8] if len(sys.argv) > 7 else (None, None)
chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
deadline = time.monotonic() + seconds

to_browser_r, to_browser_w = os.pipe()
from_browser_r, from_browser_w = os.pipe()
profile = tempfile.mkdtemp(prefix="scn-console-chromium-")
# Chromium on a closed network: without these it waits for services it cannot reach.
flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
         "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank"]


def move_fds():  # the pipe ends Chromium expects: commands on fd 3, answers on fd 4
    os.dup2(to_browser_r, 3)
    os.dup2(from_browser_w, 4)


browser = subprocess.Popen([chromium] + flags, preexec_fn=move_fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL,
                           stderr=open(profile + ".log", "w"))
os.close(to_browser_r)
os.close(from_browser_w)
reader = os.fdopen(from_browser_r, "rb")
next_id = 0
buffered = b""


def fail(message):
    print("console_page: " + message, file=sys.stderr)
    browser.kill()
    sys.exit(1)


def receive():
    global buffered
    while b"\0" not in buffered:
        if time.monotonic() > deadline:
            fail("no answer from Chromium in time")
        chunk = os.read(from_browser_r, 65536)
        if not chunk:
            fail("Chromium closed the pipe; see " + profile + ".log")
        buffered += chunk
    message, buffered = buffered.split(b"\0", 1)
    return json.loads(message)


def call(method, params=None, session=None):
    global next_id
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    os.write(to_browser_w, json.dumps(message).encode() + b"\0")
    while True:
        answer = receive()
        if answer.get("id") == next_id:
            if "error" in answer:
                fail(method + ": " + json.dumps(answer["error"]))
            return answer.get("result", {})


def evaluate(expression, session):
    result = call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
    return result.get("result", {}).get("value")


target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
call("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
     session)
call("Page.navigate", {"url": url}, session)


def wait_until(expression):
    while not evaluate("Boolean(%s)" % expression, session):
        if time.monotonic() > deadline:
            dom = evaluate("document.documentElement.outerHTML", session) or ""
            open(dom_file, "w").write(dom)
            fail("the page never showed: %s (its DOM is in %s)" % (expression, dom_file))
        time.sleep(0.2)


if ready_condition:
    wait_until(ready_condition)
    open(ready_file, "w").write("ready\n")
wait_until(condition)
time.sleep(0.3)  # the chart and the tables of the last batch of events
open(dom_file, "w").write(evaluate("document.documentElement.outerHTML", session))
shot = call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session)
open(png_file, "wb").write(base64.b64decode(shot["data"]))
try:
    call("Browser.close")
except SystemExit:
    pass
try:
    browser.wait(timeout=10)
except subprocess.TimeoutExpired:
    browser.kill()
