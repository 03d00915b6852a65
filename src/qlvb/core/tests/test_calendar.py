import datetime as dt

import pytest

from qlvb.core.calendar import add_working_days
from qlvb.core.models import Holiday

pytestmark = pytest.mark.django_db


def test_weekends_are_skipped():
    friday = dt.date(2026, 11, 20)
    assert add_working_days(friday, 1) == dt.date(2026, 11, 23)
    assert add_working_days(friday, 5) == dt.date(2026, 11, 27)
    assert add_working_days(friday, 0) == friday


def test_holidays_and_compensatory_saturdays_are_data():
    # Tết 2027: 5-11/02 off; Saturday 30/01 worked in compensation (as an example)
    for day in range(5, 12):
        Holiday.objects.create(date=dt.date(2027, 2, day), name="Tết Nguyên đán")
    Holiday.objects.create(date=dt.date(2027, 1, 30), name="Làm bù", working_day=True)
    thursday = dt.date(2027, 2, 4)
    assert add_working_days(thursday, 1) == dt.date(2027, 2, 12)
    assert add_working_days(dt.date(2027, 1, 29), 1) == dt.date(2027, 1, 30)
