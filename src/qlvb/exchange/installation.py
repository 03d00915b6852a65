"""A second qlvb installation on this machine, for the two-installation tests and the
benchmarks: its own data folder and SQLite database, migrated, with one agency on it, a peer
entry that accepts a bearer token, and gunicorn serving it on a free port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SETUP = """
import hashlib
from qlvb.agencies.models import Agency
from qlvb.exchange.models import Peer, PeerKind
agency, _ = Agency.objects.get_or_create(code={code!r}, defaults=dict(
    name={name!r}, level="central", on_installation=True))
Peer.objects.get_or_create(name="Sender", defaults=dict(
    kind=PeerKind.QLVB, base_url={peer_url!r}, secret={peer_secret!r},
    inbound_token_sha256=hashlib.sha256({token!r}.encode()).hexdigest(),
    certificates={cert!r}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Installation:
    def __init__(
        self,
        data_dir: Path,
        *,
        code: str,
        name: str,
        token: str,
        trusted_cert: str,
        peer_url: str = "http://127.0.0.1:9",
        peer_secret: str = "",
        workers: int = 2,
        worker: bool = False,
    ):
        self.data_dir = Path(data_dir)
        self.code, self.name, self.token = code, name, token
        self.trusted_cert, self.peer_url, self.peer_secret = trusted_cert, peer_url, peer_secret
        self.workers = workers
        self.with_worker = worker  # also run `qlvb worker` (spooled packages, outbox)
        self.worker: subprocess.Popen | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.extra_env: dict[str, str] = {}  # for the processes started from now on

    @property
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        env["QLVB_DATA_DIR"] = str(self.data_dir)
        env["DJANGO_SETTINGS_MODULE"] = "qlvb.settings"
        return {**env, **self.extra_env}

    def qlvb(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "qlvb", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
        )

    def prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.qlvb("migrate", "--noinput")
        script = SETUP.format(
            code=self.code,
            name=self.name,
            peer_url=self.peer_url,
            peer_secret=self.peer_secret,
            token=self.token,
            cert=self.trusted_cert,
        )
        self.qlvb("shell", "-c", script)

    def start_worker(self) -> None:
        """`qlvb worker` of this installation (spooled packages, outbox)."""
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "qlvb", "worker", "-w", "2"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill_worker(self) -> None:
        """The worker dies at once (SIGKILL), whatever it was doing."""
        self._end_worker(kill=True)

    def start(self) -> None:
        if self.with_worker:
            self.start_worker()
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "qlvb.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # kill() takes gunicorn's workers down with it
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/v1/exchange/inbox", timeout=2)  # noqa: S310
            except urllib.error.HTTPError:
                return  # 405 for GET: it is up
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the second installation did not start")

    def kill(self) -> None:
        """The installation dies at once: gunicorn and its workers (SIGKILL to the group)."""
        self._end_worker(kill=True)
        self.kill_web()

    def kill_web(self) -> None:
        """Only the web processes die (SIGKILL to gunicorn's group), the worker goes on."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def _end_worker(self, *, kill: bool) -> None:
        if self.worker is not None:
            self.worker.kill() if kill else self.worker.terminate()
            self.worker.wait(20)
            self.worker = None

    def stop(self) -> None:
        self._end_worker(kill=False)
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.process = None

    def sql(self, query: str, *params):
        """One read of this installation's SQLite database, without starting Django."""
        import sqlite3

        with sqlite3.connect(self.data_dir / "qlvb.sqlite3", timeout=30) as db:
            return db.execute(query, params).fetchall()

    def count_incoming(self) -> int:
        out = self.qlvb(
            "shell",
            "-c",
            "from qlvb.incoming.models import IncomingDocument as I;"
            f"print(I.objects.filter(agency__code={self.code!r}).count())",
        )
        return int(out.stdout.strip().splitlines()[-1])
