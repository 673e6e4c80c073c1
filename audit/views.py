from django.shortcuts import render
from django.views.decorators.http import require_safe

from audit.selectors import access_record_search
from core.access import role_required

# Administrators (and whoever is given the permission, e.g. the data protection officer):
# the log itself names who looked at whom.
SEARCH = "audit.view_accessrecord"


@require_safe
@role_required(SEARCH)
def access_log_search(request):
    """ "Who looked up this phone number?": the records about a person, newest first."""
    query = request.GET.get("q", "")[:100]
    records = access_record_search(query=query)
    return render(request, "audit/search.html", {"query": query, "records": records})
