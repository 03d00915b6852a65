"""Real server processes for the tests, each on a free port of 127.0.0.1 chosen at run time:
an SMTP server (aiosmtpd) that writes every message it receives to a folder, and a stand-in
SMS provider (stdlib http.server) whose answer is chosen per test: ok, error, timeout."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

SMTP_SERVER = r"""
import sys, asyncio, pathlib, itertools
from aiosmtpd.controller import Controller
out = pathlib.Path(sys.argv[2]); counter = itertools.count(1)
class Handler:
    async def handle_DATA(self, server, session, envelope):
        (out / f"{next(counter):04d}.eml").write_bytes(envelope.content)
        (out / "rcpt.txt").open("a").write(",".join(envelope.rcpt_tos) + "\n")
        return "250 OK"
controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
import time
while True: time.sleep(3600)
"""

SMS_SERVER = r"""
import json, sys, time, pathlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
log = pathlib.Path(sys.argv[2]); mode_file = pathlib.Path(sys.argv[3])
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        mode = mode_file.read_text().strip() if mode_file.exists() else "ok"
        with log.open("a") as f:
            f.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization"),
                                "body": body, "mode": mode}, ensure_ascii=False) + "\n")
        if mode == "timeout":
            time.sleep(5)
        if mode == "error":
            self.send_response(503); self.end_headers()
            self.wfile.write(b'{"error": "quota exceeded"}'); return
        if mode == "garbage":
            self.send_response(200); self.end_headers(); self.wfile.write(b"<html>"); return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": "msg-%d" % time.time_ns()}).encode())
    def log_message(self, *a): pass
server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
server.serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _process(script: str, *args: str):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def smtp_server(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with _process(SMTP_SERVER, str(folder)) as port:
        yield port


class SmsProvider:
    def __init__(self, folder: Path, port: int):
        self.log = folder / "requests.jsonl"
        self.mode_file = folder / "mode"
        self.port = port

    def answer(self, mode: str) -> None:
        self.mode_file.write_text(mode)

    def requests(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@contextmanager
def sms_provider(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with _process(SMS_SERVER, str(folder / "requests.jsonl"), str(folder / "mode")) as port:
        yield SmsProvider(folder, port)
