"""Scale-out (issue 11, point 4): two web nodes (gunicorn processes) and two workers (`qlvb
worker` processes) share one PostgreSQL database and one file store, as docs/deploy.md
describes. Clerks register documents through both nodes at once; afterwards the register has
every number once, in order, and every piece of background work (search index, text
extraction, signature check) ran exactly once, by one of the two workers.

The processes use the test database by name, so the test commits for real (transaction=True)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client
from pypdf import PdfWriter

from qlvb.documents.defaults import ensure_document_types
from qlvb.exchange.installation import free_port
from qlvb.incoming.models import IncomingDocument
from qlvb.incoming.tests.conftest import (  # noqa: F401  fixtures shared with incoming
    office,
    people,
    sender,
)
from qlvb.jobs.models import WorkState
from qlvb.jobs.tests.test_workers import database_url
from qlvb.search.models import IndexJob, SearchEntry, TextExtraction
from qlvb.signing.models import VerificationRequest

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

CLIENTS, EACH = 4, 10  # four clerks' sessions, ten registrations each, alternating nodes


def _env(data_dir: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "QLVB_DATA_DIR": str(data_dir),  # one file store and one job queue for every process
        "DJANGO_SETTINGS_MODULE": "qlvb.settings",
        "QLVB_SECURE_COOKIES": "0",
        # Every node of a deployment shares one secret key (sessions made here stay valid).
        "QLVB_SECRET_KEY": settings.SECRET_KEY,
        "QLVB_OCR": "0",
    }


def _start_web(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "qlvb.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "1", "--threads", "4", "--log-level", "warning"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_up(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"web node exited: {proc.stderr.read()}")
        try:
            requests.get(url + "/dang-nhap/", timeout=10)
            return
        except requests.RequestException:  # not listening yet, or still loading the app
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not start")


def _session(person) -> requests.Session:
    """A signed-in browser session of `person` (the session row is in the shared database),
    with Django's CSRF cookie and header."""
    client = Client()
    client.force_login(person)
    session = requests.Session()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    session.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
    csrf = "a" * 32
    session.cookies.set(settings.CSRF_COOKIE_NAME, csrf)
    session.headers["X-CSRFToken"] = csrf
    return session


def _wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError("the workers did not finish in time")


def test_two_web_nodes_and_two_workers_share_one_database(people, tmp_path):  # noqa: F811
    ensure_document_types()
    env = _env(tmp_path / "shared")
    (tmp_path / "shared").mkdir()
    ports = [free_port(), free_port()]
    webs = [_start_web(env, port) for port in ports]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "qlvb", "worker", "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, proc in zip(urls, webs, strict=True):
            _wait_up(url, proc)
        sessions = [_session(people["clerk"]) for _ in range(CLIENTS)]

        def scan(c: int, i: int) -> bytes:
            # Each registration its own scan (own bytes): each one's text and signature check
            # is real background work, not the copy of an earlier file's result.
            writer = PdfWriter()
            writer.add_blank_page(width=595, height=842)
            writer.add_metadata({"/Title": f"Công văn {c}-{i}"})
            out = io.BytesIO()
            writer.write(out)
            return out.getvalue()

        answers: list[tuple[str, int, dict]] = []
        lock = threading.Lock()

        def clerk(c: int) -> None:
            for i in range(EACH):
                url = urls[(c + i) % 2]
                response = sessions[c].post(
                    url + "/api/v1/incoming",
                    data={
                        "type_name": "Công văn",
                        "code_number": str(1000 * c + i),
                        "code_notation": "STC-NS",
                        "issued_date": "2026-11-20",
                        "organ_name": "Sở Tài chính",
                        "subject": f"V/v đề nghị số {c}-{i}",
                    },
                    files={"files": (f"scan-{c}-{i}.pdf", scan(c, i), "application/pdf")},
                    timeout=60,
                )
                with lock:
                    answers.append((url, response.status_code, response.json()))

        threads = [threading.Thread(target=clerk, args=(c,)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert [status for _, status, _ in answers] == [201] * (CLIENTS * EACH), answers
        assert {url for url, _, _ in answers} == set(urls)  # both nodes served registrations
        numbers = sorted(body["arrival_number"] for _, _, body in answers)
        assert numbers == list(range(1, CLIENTS * EACH + 1))  # gapless, none twice

        documents = IncomingDocument.objects.values_list("document_id", flat=True)
        total = CLIENTS * EACH

        def drained() -> bool:
            return (
                IndexJob.objects.filter(state=WorkState.DONE).count() >= total
                and not IndexJob.objects.exclude(state=WorkState.DONE).exists()
                and TextExtraction.objects.filter(state=WorkState.DONE).count() == total
                and VerificationRequest.objects.filter(state=WorkState.DONE).count() == total
            )

        _wait_for(drained)
        # Exactly once: every row ran on its first attempt, none was taken by both workers.
        for model in (IndexJob, TextExtraction, VerificationRequest):
            assert not model.objects.exclude(attempts=1).exists(), model.__name__
        assert SearchEntry.objects.filter(document_id__in=documents).count() == total
        # Both workers took part (otherwise this proves nothing about sharing the queue).
        leased_by = set(IndexJob.objects.values_list("leased_by", flat=True)) | set(
            TextExtraction.objects.values_list("leased_by", flat=True)
        )
        assert len({token.split(":")[1] for token in leased_by if token}) >= 2, leased_by  # pids
    finally:
        for proc in webs + workers:
            proc.terminate()
        for proc in webs + workers:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
