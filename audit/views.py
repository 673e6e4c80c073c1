from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_safe

from audit.selectors import access_record_search


def may_search(user) -> bool:
    """Administrators (and whoever is given the permission, e.g. the data protection
    officer): the log itself names who looked at whom."""
    return user.has_perm("audit.view_accessrecord")


@require_safe
def access_log_search(request):
    """ "Who looked up this phone number?": the records about a person, newest first."""
    if not may_search(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "")[:100]
    records = access_record_search(query=query)
    return render(request, "audit/search.html", {"query": query, "records": records})
