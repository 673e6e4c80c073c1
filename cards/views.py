from django.shortcuts import render

from cards.selectors import card_list
from config.roles import has_any_role


def home(request):
    if not has_any_role(request.user):
        return render(request, "no_role.html", status=200)
    return render(request, "cards/home.html", {"cards": card_list()})
