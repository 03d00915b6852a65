import pytest

from qlvb.agencies.models import Agency, AgencyLevel
from qlvb.outgoing.tests.conftest import (  # noqa: F401  fixtures shared with outgoing
    cong_van,
    people,
    province,
)


@pytest.fixture
def ministry(db):
    """An agency elsewhere (not on this installation), reached through the exchange."""
    return Agency.objects.create(
        code="000.00.00.G22",
        name="Văn phòng Chính phủ",
        level=AgencyLevel.CENTRAL,
        on_installation=False,
    )
