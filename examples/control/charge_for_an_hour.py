"""A test an eMSP developer could write against the sandbox's mock CPO, driven through its control API.

Start the sandbox (`scn-tools sandbox`), then: python3 examples/control/charge_for_an_hour.py
"""
import os
import time
import unittest

import requests

CPO = os.environ.get("SCN_CPO_CONTROL", "http://127.0.0.1:3100")
MSP = os.environ.get("SCN_MSP_CONTROL", "http://127.0.0.1:3101")


def wait_for(check, timeout=10.0):
    """Polls `check` until it returns something truthy, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def received(party, module, method):
    """The bodies of what `party` received for `module` with `method`, oldest first."""
    answer = requests.get(f"{party}/control/received", params={"module": module}, timeout=5)
    return [r["body"] for r in answer.json()["requests"] if r["method"] == method]


class ChargeForAnHour(unittest.TestCase):
    def setUp(self):
        for party in (CPO, MSP):
            requests.post(f"{party}/control/reset", timeout=5).raise_for_status()

    def test_an_hour_of_charging_is_billed_from_the_tariff(self):
        # A driver holds the eMSP's RFID card to the charger.
        answer = requests.post(f"{CPO}/control/sessions", timeout=10, json={
            "location_id": "Loc1", "evse_uid": "CH-CPO-S1E100001", "token_uid": "CH-MSP-RFID-0002"})
        self.assertEqual(answer.status_code, 201, answer.text)
        session_id = answer.json()["session_id"]
        wait_for(lambda: any(s["status"] == "ACTIVE" for s in received(MSP, "sessions", "PUT")))

        # One hour later (virtual time), the charger breaks down: the session ends and the CDR is sent.
        requests.post(f"{CPO}/control/clock/advance", json={"seconds": 3600}, timeout=30).raise_for_status()
        requests.put(f"{CPO}/control/evses/CH-CPO-S1E100001/status", json={"status": "OUTOFORDER"},
                     timeout=5).raise_for_status()

        cdr = wait_for(lambda: next(iter(received(MSP, "cdrs", "POST")), None))
        self.assertEqual(cdr["session_id"], session_id)
        self.assertAlmostEqual(cdr["total_energy"], 10.56, delta=0.1)  # 220 V x 16 A x 3 phases for an hour
        self.assertAlmostEqual(cdr["total_time"], 1.0, delta=0.01)
        self.assertEqual(cdr["total_cost"]["excl_vat"], 3.25)  # 0.50 + 11 started kWh at 0.25


if __name__ == "__main__":
    unittest.main()
