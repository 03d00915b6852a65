import io

import pytest
from django.test import Client

from qlvb.agencies.models import Person
from qlvb.outgoing.tests.conftest import (  # noqa: F401 — fixtures shared with outgoing
    cong_van,
    people,
    province,
    quyet_dinh,
    recipients,
)
from qlvb.signing import samples, services
from qlvb.signing.testca import TestCA, shared_ca

PIN = "123456"


@pytest.fixture(scope="session")
def ca() -> TestCA:
    return shared_ca()


@pytest.fixture
def admin(db):
    return Person.objects.create(username="quantri", full_name="Quản trị", is_superuser=True)


@pytest.fixture
def trusted(ca, admin):
    """The test CA's root and its CRL imported by the administrator."""
    services.trust_anchor_import(actor=admin, data=ca.root.cert_pem, name="Root CA thử nghiệm")
    services.trust_anchor_import(actor=admin, data=ca.crl_der(), name="CRL thử nghiệm")
    return ca


def as_file(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def signer_pdf(people, pages=2) -> bytes:  # noqa: F811 — the fixture dict, passed in
    signer = people["signer"]
    return samples.document_pdf(
        pages=pages, name=signer.full_name, position=signer.position.name.upper()
    )


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client
