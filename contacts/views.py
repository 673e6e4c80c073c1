from django.shortcuts import render
from django.utils import timezone

from audit.models import AccessRecord
from audit.services import access_record
from contacts.selectors import contact_list
from core.access import role_required


@role_required()
def contact_list_page(request):
    """Everyone the cards name, for calling from a phone; support lines with open state."""
    contacts = contact_list()
    access_record(user=request.user, action=AccessRecord.Action.READ, objs=contacts["people"])
    return render(request, "contacts/list.html", {**contacts, "now": timezone.now()})
