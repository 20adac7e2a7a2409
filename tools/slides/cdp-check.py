#!/usr/bin/env python3
"""Open one slide deck in headless Chromium and report what went wrong.

Usage: cdp-check.py [--chromium BIN] --profile DIR [--timeout S]
                    [--browser-log FILE] [--each-slide] HTML PNG

Talks to Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe:
the browser reads commands on fd 3 and writes replies and events on fd 4, each
message a JSON object ended by a NUL byte), so it needs only the standard
library: no websocket module, no open port.

It counts as an error:
  - an uncaught exception            (Runtime.exceptionThrown)
  - console.error / console.assert   (Runtime.consoleAPICalled)
  - a browser log entry of level error, e.g. "Failed to load resource"
                                     (Log.entryAdded)
  - a resource that failed to load   (Network.loadingFailed)
  - any http(s) request: a deck must work with no network
                                     (Network.requestWillBeSent)
  - a slide whose content is taller or wider than the 800x600 slide, because
    dzslides clips it and the audience never sees the rest

It then saves a PNG of the first slide; with --each-slide, also one PNG per
slide beside it (PNG minus .png, then -01.png, -02.png ...), for proofreading a
deck by eye. Exit status: 0 clean, 1 errors found,
2 the check itself could not run (no browser, timeout).

Why not grep `--enable-logging=stderr` for CONSOLE lines: that catches thrown
exceptions and console calls, but a missing <img> is reported only to DevTools,
so a deck with a broken picture would pass.
"""

import argparse
import base64
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import time

# The flags the kit's machines need (root, no network, no GPU, no D-Bus).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]

# dzslides lays every slide out at 800x600 and scales the body to the window;
# a window of the same size makes the screenshot a 1:1 picture of a slide.
WIDTH, HEIGHT = 800, 600

# Time allowed after the load event for late errors (timers, dzslides' own
# init). The slide-in animation is switched off (prefers-reduced-motion, which
# deck.css honours), so the screenshot does not catch a slide half-way.
SETTLE_S = 0.5

# Run in the page: list the slides whose content does not fit. Each <section>
# is one slide, absolutely placed and exactly slide-sized, so scrollHeight >
# clientHeight means something sticks out of it. 2 px of slack absorbs rounding.
OVERFLOW_JS = r"""
Array.prototype.slice.call(document.querySelectorAll('body > section'))
  .map(function (s, i) {
    var dy = s.scrollHeight - s.clientHeight, dx = s.scrollWidth - s.clientWidth;
    return (dy > 2 || dx > 2)
      ? 'slide ' + (i + 1) + ' (#' + s.id + ') overflows by ' +
        Math.max(dx, 0) + 'x' + Math.max(dy, 0) + ' px'
      : null;
  })
  .filter(function (m) { return m; })
"""


def browser_env(home):
    """The environment for Chromium: HOME and the XDG folders inside @home.
    Even with --user-data-dir, the Debian wrapper, crashpad and dconf write
    under ~/.config and ~/.cache; pointing them at the throwaway profile
    leaves nothing behind in the real home."""
    env = dict(os.environ)
    env.update(HOME=home, XDG_CONFIG_HOME=f"{home}/.config",
               XDG_CACHE_HOME=f"{home}/.cache", XDG_DATA_HOME=f"{home}/.local/share")
    return env


class CheckError(Exception):
    """The check could not be carried out (as opposed to: the deck is bad)."""


class Browser:
    """One Chromium process and the two pipe ends used to talk to it."""

    def __init__(self, argv, log, home):
        # Chromium reads fd 3 and writes fd 4; make two pipes and map them there.
        cmd_r, self.cmd_w = os.pipe()
        self.evt_r, evt_w = os.pipe()

        def child_fds():
            # Lift both ends above 10 first: either may already sit on fd 3 or
            # 4, and a direct dup2 would overwrite it. The lifted copies close
            # on exec; dup2 makes 3 and 4 inheritable.
            hi_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
            hi_w = fcntl.fcntl(evt_w, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        # close_fds=False: subprocess would close fds 3 and 4 after
        # preexec_fn ran. Every other fd Python made is close-on-exec anyway.
        # A session of its own, so that at the end we can kill the browser and
        # every helper it forked (zygote, GPU, renderer) by one process-group id.
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            preexec_fn=child_fds,
            close_fds=False,
            start_new_session=True,
            env=browser_env(home),
        )
        os.close(cmd_r)
        os.close(evt_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read_one(self, deadline):
        """Return the next message, or None once the deadline has passed."""
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.evt_r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.evt_r, 1 << 16)
            if not chunk:
                raise CheckError("chromium closed the DevTools pipe (did it crash?)")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, timeout=15.0):
        """Send a command and wait for its reply; events seen meanwhile are kept."""
        want = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self.read_one(deadline)
            if msg is None:
                raise CheckError(f"no reply to {method} within {timeout:.0f} s")
            if msg.get("id") == want:
                if "error" in msg:
                    raise CheckError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def pump(self, until, stop=None):
        """Collect events until a deadline, or until stop(event) is true."""
        while True:
            msg = self.read_one(until)
            if msg is None:
                return False
            if "method" in msg:
                self.events.append(msg)
                if stop and stop(msg):
                    return True

    def close(self):
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=5)
        except Exception:
            pass
        # Whatever is left of our process group goes too (helpers outlive the
        # browser for a moment after Browser.close).
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.evt_r)


def describe(ev, urls):
    """Turn one DevTools event into an error line, or None if it is fine.
    @urls maps request ids to addresses, for failures that name only the id."""
    m, p = ev["method"], ev.get("params", {})
    if m == "Runtime.exceptionThrown":
        d = p.get("exceptionDetails", {})
        text = d.get("exception", {}).get("description") or d.get("text", "?")
        where = f"{d.get('url', '')}:{d.get('lineNumber', 0) + 1}"
        return f"uncaught exception: {text.splitlines()[0]} at {where}"
    if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
        args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
        return f"console.{p['type']}: {args}"
    if m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
        e = p["entry"]
        return f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}".rstrip()
    if m == "Network.loadingFailed" and not p.get("canceled"):
        url = urls.get(p.get("requestId"), "request " + str(p.get("requestId")))
        return f"resource failed to load: {p.get('errorText')} {url}"
    if m == "Network.requestWillBeSent":
        url = p.get("request", {}).get("url", "")
        if url.startswith(("http:", "https:", "ws:", "wss:")):
            return f"network request (a deck must work offline): {url}"
    return None


def screenshot(b, sid, path):
    shot = b.call("Page.captureScreenshot", {"format": "png"}, session=sid)
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))


def each_slide(b, sid, png):
    """Show each slide in turn (dzslides follows the #N in the URL) and save it."""
    count = b.call("Runtime.evaluate",
                   {"expression": "document.querySelectorAll('body > section').length",
                    "returnByValue": True}, session=sid)["result"]["value"]
    stem = png[:-4] if png.endswith(".png") else png
    for i in range(1, count + 1):
        b.call("Runtime.evaluate", {"expression": f"location.hash = '#{i}'"}, session=sid)
        b.pump(time.monotonic() + 0.15)  # let hashchange run and the page repaint
        screenshot(b, sid, f"{stem}-{i:02d}.png")


def check(args):
    url = "file://" + os.path.abspath(args.html)
    argv = [args.chromium, *CHROMIUM_FLAGS, f"--user-data-dir={args.profile}/user-data",
            f"--window-size={WIDTH},{HEIGHT}", "about:blank"]
    with open(args.browser_log, "ab") as log:
        b = Browser(argv, log, args.profile)
    try:
        tid = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = b.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            b.call(f"{domain}.enable", session=sid)
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
               session=sid)
        b.call("Emulation.setEmulatedMedia",
               {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]},
               session=sid)
        b.events.clear()  # anything before our navigation is not the deck's fault

        nav = b.call("Page.navigate", {"url": url}, session=sid)
        errors = []
        if nav.get("errorText"):
            errors.append(f"navigation failed: {nav['errorText']} ({url})")
        else:
            loaded = b.pump(time.monotonic() + args.timeout,
                            stop=lambda e: e["method"] == "Page.loadEventFired")
            if not loaded:
                raise CheckError(f"no load event within {args.timeout:.0f} s")
            b.pump(time.monotonic() + SETTLE_S)
            found = b.call("Runtime.evaluate",
                           {"expression": OVERFLOW_JS, "returnByValue": True},
                           session=sid)
            errors.extend(found.get("result", {}).get("value") or [])
            screenshot(b, sid, args.png)
            if args.each_slide:
                each_slide(b, sid, args.png)
        urls = {e["params"]["requestId"]: e["params"]["request"]["url"]
                for e in b.events if e["method"] == "Network.requestWillBeSent"}
        errors[:0] = [line for line in (describe(e, urls) for e in b.events) if line]
        return errors
    finally:
        b.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chromium", default=os.environ.get("SLIDES_CHROMIUM", "chromium"))
    ap.add_argument("--profile", required=True,
                    help="an empty, throwaway dir: the browser profile and its HOME")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--browser-log", default=os.devnull,
                    help="where Chromium's own stderr goes (it is noisy)")
    ap.add_argument("--each-slide", action="store_true",
                    help="also save one PNG per slide, for reading the deck by eye")
    ap.add_argument("html")
    ap.add_argument("png")
    args = ap.parse_args()
    try:
        errors = check(args)
    except (CheckError, OSError) as e:
        print(f"check {args.html}: {e}", file=sys.stderr)
        return 2
    for line in errors:
        print(line)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
