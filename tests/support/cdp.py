"""Load a page in headless Chromium over the DevTools protocol (``--remote-debugging-pipe``) and
report every request it made, those that failed, and the script errors: what "no missing asset"
means, checked by the browser itself rather than by reading the HTML."""

from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PageLoad", "load_page"]


@dataclass
class PageLoad:
    requested: list[str] = field(default_factory=list)  # every URL the page asked for
    failed: list[str] = field(default_factory=list)  # "url: error" of each request that failed
    errors: list[str] = field(default_factory=list)  # uncaught script errors and console errors


class _Pipe:
    def __init__(self, write_fd: int, read_fd: int) -> None:
        self.write_fd, self.read_fd, self.buffer, self.next_id = write_fd, read_fd, b"", 0

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        return self.next_id

    def read(self, timeout: float) -> dict | None:
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.read_fd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             events: list[dict] | None = None) -> dict:
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = self.read(deadline - time.monotonic())
            if message is None:
                break
            if message.get("id") == wanted:
                return message.get("result", {})
            if events is not None and "method" in message:
                events.append(message)
        raise TimeoutError(f"no answer to {method}")


def _high(fd: int) -> int:
    return fcntl.fcntl(fd, fcntl.F_DUPFD, 10)


def load_page(chromium: str, flags: list[str], url: str, profile: Path, settle: float = 2.0) -> PageLoad:
    """Open ``url``, wait for its load event and ``settle`` seconds more (fonts, late scripts)."""
    to_browser_r, to_browser_w = (_high(fd) for fd in os.pipe())
    from_browser_r, from_browser_w = (_high(fd) for fd in os.pipe())

    def plumbing() -> None:  # the browser reads commands on fd 3, writes answers on fd 4
        os.dup2(to_browser_r, 3)
        os.dup2(from_browser_w, 4)

    # close_fds=False: fds 3 and 4, made in preexec_fn, would be closed after it otherwise
    browser = subprocess.Popen([chromium, *flags, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                                "about:blank"], close_fds=False, preexec_fn=plumbing,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_browser_r)
    os.close(from_browser_w)
    pipe, events, load = _Pipe(to_browser_w, from_browser_r), [], PageLoad()
    try:
        target = pipe.call("Target.createTarget", {"url": "about:blank"}, events=events)["targetId"]
        session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                            events=events)["sessionId"]
        for domain in ("Network", "Page", "Runtime", "Log"):
            pipe.call(f"{domain}.enable", session=session, events=events)
        pipe.call("Page.navigate", {"url": url}, session=session, events=events)
        deadline, loaded = time.monotonic() + 60, None
        while time.monotonic() < deadline and (loaded is None or time.monotonic() < loaded + settle):
            message = pipe.read(0.2)
            if message is None:
                continue
            events.append(message)
            if message.get("method") == "Page.loadEventFired" and loaded is None:
                loaded = time.monotonic()
        pipe.send("Browser.close")
    finally:
        try:
            browser.wait(timeout=20)
        except subprocess.TimeoutExpired:
            browser.kill()
        os.close(to_browser_w)
        os.close(from_browser_r)
    urls: dict[str, str] = {}
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
            load.requested.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            load.failed.append(f"{urls.get(params['requestId'], '?')}: {params.get('errorText')}")
        elif method == "Network.responseReceived" and params["response"].get("status", 200) >= 400:
            load.failed.append(f"{params['response']['url']}: HTTP {params['response']['status']}")
        elif method == "Runtime.exceptionThrown":
            load.errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            load.errors.append(params["entry"].get("text", "")[:500])
    return load
