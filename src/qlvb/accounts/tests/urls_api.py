"""A tiny API mounted only in tests, to exercise `api_auth` end to end through the middleware."""

from django.urls import include, path
from ninja import NinjaAPI

from qlvb.accounts.auth import api_auth, request_agency_id, request_person

test_api = NinjaAPI(urls_namespace="accounts_test_api", auth=api_auth, docs_url=None)


def _who(request):
    person = request_person(request)
    return {
        "kind": "token" if getattr(request.auth, "is_token", False) else "person",
        "agency_id": request_agency_id(request),
        "person_id": person.pk if person is not None else None,
    }


@test_api.get("/who")
def who(request):
    return _who(request)


@test_api.post("/who")
def who_post(request):
    return _who(request)


urlpatterns = [path("api/test/", test_api.urls), path("", include("qlvb.urls"))]
