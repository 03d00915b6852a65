"""QLVB_STORAGE=s3: the files of every node in S3-compatible object storage (docs/deploy.md),
against a real S3-protocol server process on 127.0.0.1 (moto's server; MinIO or Ceph RGW in a
deployment). The same code paths as the local folder: a registered scan lands in the bucket
under its content address, downloads whole and by range, bytes changed in the bucket are
caught, and a registration that rolls back leaves no object behind."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import boto3
import pytest
import requests
from django.test import Client

from qlvb.documents import storage
from qlvb.documents.models import Blob
from qlvb.documents.services import Upload
from qlvb.exchange.installation import free_port
from qlvb.incoming import services
from qlvb.incoming.tests.conftest import (  # noqa: F401  fixtures shared with incoming
    office,
    pdf,
    people,
    sender,
)
from qlvb.settings import s3_storage_options

BUCKET = "qlvb-files"


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url, timeout=2)
            break
        except requests.RequestException:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the S3 server did not start") from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def bucket(s3_server, settings):
    env = {
        "QLVB_S3_BUCKET": BUCKET,
        "QLVB_S3_ENDPOINT_URL": s3_server,
        "QLVB_S3_ACCESS_KEY": "test-access",
        "QLVB_S3_SECRET_KEY": "test-secret",
        "QLVB_S3_REGION": "us-east-1",
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test-access",
        aws_secret_access_key="test-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    # Changing STORAGES makes Django drop its storage instances (setting_changed).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_storage_options(env),
        },
    }
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_registered_scan_is_in_the_bucket_and_downloads_whole_and_by_range(bucket, people):  # noqa: F811
    assert type(storage.storage()).__name__ == "S3Storage"
    data = pdf(3).getvalue()
    clerk = Client()
    clerk.force_login(people["clerk"])
    scan = io.BytesIO(data)
    scan.name = "Công văn 125.pdf"
    response = clerk.post("/api/v1/incoming", {"subject": "V/v lưu tệp S3", "files": [scan]})
    assert response.status_code == 201, response.content
    attachment_id = response.json()["attachments"][0]["id"]
    blob = Blob.objects.get()
    assert keys(bucket) == [storage.blob_path(blob.sha256)]
    stored = bucket.get_object(Bucket=BUCKET, Key=blob.storage_name)["Body"].read()
    assert stored == data

    whole = clerk.get(f"/api/v1/attachments/{attachment_id}/content")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data
    part = clerk.get(f"/api/v1/attachments/{attachment_id}/content", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == data[100:200]

    # The same content again is the same object (content-addressed), not a second copy.
    again = io.BytesIO(data)
    again.name = "bản sao.pdf"
    clerk.post("/api/v1/incoming", {"subject": "V/v bản sao", "files": [again]})
    assert Blob.objects.count() == 1 and len(keys(bucket)) == 1


def test_bytes_changed_in_the_bucket_are_caught(bucket, people):  # noqa: F811
    data = pdf(1).getvalue()
    incoming = services.incoming_register(
        actor=people["clerk"],
        metadata={"subject": "V/v kiểm tra toàn vẹn"},
        uploads=[Upload(io.BytesIO(data), "to-trinh.pdf")],
    )
    blob = incoming.document.attachments.get().blob
    assert storage.verify(blob)
    bucket.put_object(Bucket=BUCKET, Key=blob.storage_name, Body=data[:-1] + b"%")
    assert not storage.verify(blob)
    with pytest.raises(storage.CorruptBlob):
        b"".join(storage.open_verified(blob))


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_registration_leaves_no_object(bucket, people, monkeypatch):  # noqa: F811
    def fail(*args, **kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(services, "audit_record", fail)
    with pytest.raises(RuntimeError):
        services.incoming_register(
            actor=people["clerk"],
            metadata={"subject": "V/v không lưu"},
            uploads=[Upload(pdf(2), "khong-luu.pdf")],
        )
    assert Blob.objects.count() == 0
    assert keys(bucket) == []
