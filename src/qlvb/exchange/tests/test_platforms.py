"""The national axis (VDXP shape) and a provincial platform (LGSP shape): a stand-in server
process each; the production adapters pull, acknowledge, send statuses and sync the
directory."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from qlvb.agencies.models import Agency, Person
from qlvb.exchange import services
from qlvb.exchange.edxml import parse
from qlvb.exchange.models import OutboxMessage, Peer, PeerKind, SpooledPackage
from qlvb.incoming.models import IncomingDocument
from qlvb.jobs.runner import run_due

from .keys import key_and_cert
from .test_delivery import _package_from_ministry

STANDIN = Path(__file__).with_name("platform_standin.py")


@pytest.fixture(params=["vdxp", "lgsp"])
def platform(request, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    process = subprocess.Popen(
        [sys.executable, str(STANDIN), request.param, str(inbox), "2500"],
        stdout=subprocess.PIPE,
        text=True,
    )
    port = int(process.stdout.readline())
    yield {"shape": request.param, "url": f"http://127.0.0.1:{port}", "inbox": inbox}
    process.terminate()
    process.wait(10)


def _peer(platform, certificate):
    if platform["shape"] == "vdxp":
        return Peer.objects.create(
            name="Trục liên thông quốc gia (thử)",
            kind=PeerKind.VDXP,
            base_url=platform["url"],
            username="qlvb-test",
            secret="s3cret",
            pulls=True,
            certificates=certificate,
        )
    return Peer.objects.create(
        name="LGSP tỉnh (thử)",
        kind=PeerKind.LGSP,
        base_url=platform["url"],
        username="qlvb-client",
        secret="client-s3cret",
        pulls=True,
        certificates=certificate,
    )


def _sent(platform):
    with urllib.request.urlopen(platform["url"] + "/_sent") as response:  # noqa: S310
        return json.loads(response.read())


def test_pull_receive_once_acknowledge_and_status_back(
    platform, people, province, tmp_path, settings
):
    settings.DATA_DIR = tmp_path
    from qlvb.exchange.credentials import install_agency_key

    key, cert = key_and_cert()
    install_agency_key(province, key_pem=key, cert_pem=cert)
    m_key = key_and_cert("Van phong Chinh phu")
    peer = _peer(platform, m_key[1])
    good = _package_from_ministry(m_key)
    (platform["inbox"] / "a1").write_bytes(good)
    (platform["inbox"] / "a2").write_bytes(good)  # the same package twice
    (platform["inbox"] / "a3").write_bytes(good[:-300])  # truncated
    counts = services.pull(peer=peer)
    assert counts == {"received": 2, "refused": 1}
    # Pulled packages go through the spool and the workers' batched registration, as the
    # inbox's do: both copies spooled, registered once.
    assert SpooledPackage.objects.filter(state="pending").count() == 2
    assert services.pull(peer=peer) == {"received": 0, "refused": 0}  # acknowledged there
    run_due()  # registration; 01 for the package, 02 for the truncated one, via the platform
    assert IncomingDocument.objects.filter(agency=province).count() == 1
    assert SpooledPackage.objects.exclude(state="done").count() == 0
    codes = sorted(parse(item["body"].encode()).status_code for item in _sent(platform))
    assert codes == ["01", "02"]
    assert OutboxMessage.objects.filter(acknowledged_at__isnull=True).count() == 0


def test_directory_sync_in_bulk(platform, people, province):
    peer = _peer(platform, "")
    admin = Person.objects.create(username="root", full_name="Root", is_superuser=True)
    before = Agency.objects.count()
    result = services.directory_sync(actor=admin, peer=peer)
    assert Agency.objects.count() == before + 2500
    assert result["result"]["created"] == 2500
    again = services.directory_sync(actor=admin, peer=peer)
    assert again["result"]["created"] == 0 and Agency.objects.count() == before + 2500
    province.refresh_from_db()
    assert province.on_installation
