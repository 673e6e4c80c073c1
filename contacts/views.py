from django.shortcuts import render
from django.utils import timezone

from cards.access import role_required
from contacts.selectors import contact_list


@role_required
def contact_list_page(request):
    """Everyone the cards name, for calling from a phone; support lines with open state."""
    return render(request, "contacts/list.html", {**contact_list(), "now": timezone.now()})
