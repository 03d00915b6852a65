"""The navigation's incoming counts are kept for a few seconds per person (they are on every
page) and start afresh as soon as a change to the agency's documents commits."""

import pytest

from qlvb.incoming import selectors
from qlvb.incoming.tests.test_incoming_flow import deliver

pytestmark = pytest.mark.django_db


def test_counts_are_reused_until_a_change_commits(
    office, sender, people, django_assert_num_queries, django_capture_on_commit_callbacks
):
    clerk = people["clerk"]
    clerk.role_names()  # the role cache, so only the counting queries are counted below
    assert selectors.incoming_nav_counts(viewer=clerk)["reception"] == 0
    with django_assert_num_queries(0):
        assert selectors.incoming_nav_counts(viewer=clerk)["reception"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        deliver(office, sender, ref="d-nav-1")
    assert selectors.incoming_nav_counts(viewer=clerk)["reception"] == 1

    # Another agency's change does not throw this agency's figures away.
    with django_assert_num_queries(0):
        selectors.nav_counts_changed(sender.pk)
        assert selectors.incoming_nav_counts(viewer=clerk)["reception"] == 1


def test_the_page_navigation_shows_the_new_document(
    office, sender, people, client, django_capture_on_commit_callbacks
):
    client.force_login(people["clerk"])
    assert 'data-testid="nav-count-incoming"' not in client.get("/van-ban-den/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(office, sender, ref="d-nav-2")
    page = client.get("/van-ban-den/").content.decode()
    assert 'data-testid="nav-count-incoming">1</span>' in page


def test_the_list_tabs_are_kept_with_the_navigation_and_start_afresh(
    office, sender, people, client, django_capture_on_commit_callbacks
):
    import re

    def reception_tab(page: str) -> str:
        found = re.search(r'data-box="reception"[^>]*>\s*[^<]*<span[^>]*>([^<]*)</span>', page)
        return found.group(1) if found else ""

    client.force_login(people["clerk"])
    with django_capture_on_commit_callbacks(execute=True):
        deliver(office, sender, ref="d-nav-3")
    assert reception_tab(client.get("/van-ban-den/?box=reception").content.decode()) == "1"
    # The tabs and the navigation share one entry per person, started afresh by the change.
    with django_capture_on_commit_callbacks(execute=True):
        deliver(office, sender, ref="d-nav-4")
    assert reception_tab(client.get("/van-ban-den/?box=reception").content.decode()) == "2"
