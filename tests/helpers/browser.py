#!/usr/bin/env python3
"""Render a page in headless Chromium and report what a person would see.

    browser.py CHROMIUM URL PNG SCRIPT_FILE

Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: no port, no
network): opens URL in a 1100-pixel-wide window with the network off (a page that fetched
anything would fail), waits for the load, writes a full-page screenshot to PNG, evaluates the
JavaScript expression in SCRIPT_FILE in the page, and prints one JSON object:
{"value": <the expression's value>, "console": [messages], "errors": [exceptions and
failed requests]}. Exit status 0 when it got that far, 2 when Chromium failed (the reason on
stderr). Python's standard library only.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time


class Pipe:
    def __init__(self, proc, to_chrome, from_chrome):
        self.proc, self.w, self.r = proc, to_chrome, from_chrome
        self.buf, self.next_id, self.events = b"", 0, []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        return self.wait(lambda m: m.get("id") == self.next_id)

    def read_one(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def wait(self, pred, timeout=60):
        deadline = time.time() + timeout
        for i, m in enumerate(self.events):
            if pred(m):
                return self.events.pop(i)
        while True:
            m = self.read_one(deadline)
            if pred(m):
                if "error" in m:
                    raise RuntimeError(json.dumps(m["error"]))
                return m
            self.events.append(m)


def main():
    chromium, url, png, script = sys.argv[1:5]
    with open(script) as f:
        expression = f.read()
    profile = tempfile.mkdtemp(prefix="stance-chromium-")
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()

    def fds():
        os.dup2(to_r, 3)
        os.dup2(from_w, 4)

    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-extensions", "--disable-background-networking",
            "--remote-debugging-pipe", "--user-data-dir=" + profile, "--window-size=1100,900",
            "about:blank"]
    proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4, to_r, from_w),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_r)
    os.close(from_w)
    p = Pipe(proc, to_w, from_r)
    try:
        target = p.send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
        session = p.send("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            p.send(domain + ".enable", session=session)
        # offline: anything the page tries to fetch fails, and is reported
        p.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1,
                                                      "uploadThroughput": -1}, session=session)
        p.send("Emulation.setDeviceMetricsOverride", {"width": 1100, "height": 900, "deviceScaleFactor": 1,
                                                       "mobile": False}, session=session)
        p.send("Page.navigate", {"url": url}, session=session)
        p.wait(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session)
        value = p.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                       session=session)["result"]
        if "exceptionDetails" in value:
            raise RuntimeError("the check script failed: " + json.dumps(value["exceptionDetails"]))
        shot = p.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                      session=session)["result"]["data"]
        with open(png, "wb") as f:
            f.write(base64.b64decode(shot))
        console, errors = [], []
        for m in p.events:
            method, params = m.get("method"), m.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                console.append(params.get("type", "log") + ": " + text)
                if params.get("type") in ("error", "assert"):
                    errors.append("console." + params["type"] + ": " + text)
            elif method == "Runtime.exceptionThrown":
                errors.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
            elif method == "Log.entryAdded":
                e = params.get("entry", {})
                console.append(e.get("level", "") + ": " + e.get("text", ""))
                if e.get("level") == "error":
                    errors.append("log: " + e.get("text", "") + " " + e.get("url", ""))
            elif method == "Network.loadingFailed":
                errors.append("request failed: " + params.get("errorText", ""))
            elif method == "Network.requestWillBeSent":
                u = params.get("request", {}).get("url", "")
                if not u.startswith(("file:", "data:", "about:")):
                    errors.append("fetched: " + u)
        print(json.dumps({"value": value["result"].get("value"), "console": console, "errors": errors}))
        return 0
    except Exception as e:  # noqa: BLE001 - any failure is reported the same way
        print("browser.py: %s" % e, file=sys.stderr)
        return 2
    finally:
        try:
            p.send("Browser.close")
        except Exception:  # noqa: BLE001
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        subprocess.run(["rm", "-rf", profile])


if __name__ == "__main__":
    sys.exit(main())
