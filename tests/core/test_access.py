"""The one access idiom (core.access.role_required) and the one htmx render helper
(core.htmx.HtmxTemplateResponse), each case once; the permission matrix checks every URL."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from core.access import role_required
from core.htmx import HtmxTemplateResponse

WORK = "incidents.work_incident"


def _request(user, headers=None):
    request = RequestFactory().get("/side/", headers=headers or {})
    request.user = user
    request.htmx = HtmxDetails(request)
    return request


@role_required(WORK)
def _work_view(request):
    return HttpResponse("ok")


@role_required()
def _reader_view(request):
    return HttpResponse("ok")


@pytest.mark.django_db
def test_a_role_with_the_permission_gets_in(staff_user):
    assert _work_view(_request(staff_user)).content == b"ok"


@pytest.mark.django_db
def test_a_role_without_the_permission_gets_403(editor):
    with pytest.raises(PermissionDenied):
        _work_view(_request(editor))


@pytest.mark.django_db
@pytest.mark.parametrize("view", [_work_view, _reader_view])
def test_no_role_gets_the_no_role_page_with_403(no_role_user, view):
    response = view(_request(no_role_user))

    assert response.status_code == 403
    assert "ingen rolle" in response.content.decode()


@pytest.mark.django_db
def test_a_permission_given_without_a_role_is_enough(no_role_user):
    no_role_user.user_permissions.add(Permission.objects.get(codename="work_incident"))

    assert _work_view(_request(no_role_user)).content == b"ok"


def test_anonymous_goes_to_the_login_and_htmx_by_hx_redirect():
    plain = _reader_view(_request(AnonymousUser()))
    htmx = _reader_view(_request(AnonymousUser(), {"HX-Request": "true"}))

    assert plain.status_code == 302 and plain["Location"].startswith("/login/")
    assert htmx["HX-Redirect"] == "/login/"


@pytest.mark.parametrize(
    ("headers", "template"),
    [
        ({}, "cards/search.html"),
        ({"HX-Request": "true"}, "cards/search.html#search-results"),
        ({"HX-Request": "true", "HX-Target": "search-results"}, "cards/search.html#search-results"),
    ],
)
def test_the_partial_for_htmx_only(headers, template):
    response = HtmxTemplateResponse(
        _request(None, headers), "cards/search.html", partial="search-results"
    )

    assert response.template_name == template


def test_a_target_picks_the_partial_only_when_it_is_the_one_swapped():
    request = _request(None, {"HX-Request": "true", "HX-Target": "elsewhere"})
    response = HtmxTemplateResponse(
        request, "cards/search.html", partial="search-results", target="search-results"
    )

    assert response.template_name == "cards/search.html"
