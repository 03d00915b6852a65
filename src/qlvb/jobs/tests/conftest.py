import pytest

from qlvb.agencies.models import Agency, Person, Role, RoleAssignment
from qlvb.jobs.tests import handlers


@pytest.fixture(autouse=True)
def _clear_calls():
    handlers.calls.clear()
    yield
    handlers.calls.clear()


def make_person(username, agency, *roles, superuser=False):
    # No password (force_login in the tests): argon2 would make every test slow.
    person = Person.objects.create(
        username=username, full_name=username, agency=agency, is_superuser=superuser
    )
    for role in roles:
        RoleAssignment.objects.create(person=person, agency=agency, role=role)
    return person


@pytest.fixture
def agencies(db):
    office = Agency.objects.create(
        code="000.00.01.H15", name="Văn phòng UBND tỉnh", short_name="VPUBND", level="province"
    )
    other = Agency.objects.create(
        code="000.01.00.H15", name="Sở Tư pháp", short_name="STP", level="department"
    )
    return office, other


@pytest.fixture
def people(agencies):
    office, other = agencies
    return {
        "root": make_person("admin", office, superuser=True),
        "admin": make_person("quantri.vpubnd", office, Role.ADMIN),
        "other_admin": make_person("quantri.stp", other, Role.ADMIN),
        "clerk": make_person("vanthu.vpubnd", office, Role.CLERK),
    }
