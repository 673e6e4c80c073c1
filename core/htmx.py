"""The one way a view answers both a page and one of its fragments.

A page template keeps its fragments inline (django-template-partials); an htmx request
gets the fragment it asked for, a plain request the whole page. A view never picks the
template by hand.
"""

from django.shortcuts import redirect
from django.template.response import TemplateResponse


class HtmxTemplateResponse(TemplateResponse):
    """The page, or one of its inline partials for an htmx request.

    ``partial`` names the partial; with ``target`` only when it is the element htmx asked to
    swap (HX-Target). ``force_partial`` renders the partial whatever the request (the
    dashboard's shared renders).
    """

    def __init__(
        self,
        request,
        template_name,
        context=None,
        *,
        partial=None,
        target=None,
        force_partial=False,
        **kwargs,
    ):
        wanted = partial and request.htmx and (target is None or target == request.htmx.target)
        if partial and (wanted or force_partial):
            template_name = f"{template_name}#{partial}"
        super().__init__(request, template_name, context, **kwargs)


def form_answer(request, template, context, *, partial, redirect_to, refused, status=200):
    """A form post's answer. With htmx: the partial the form swaps, bringing the flash
    messages along out of band (``oob``). Without: the page again when the post was
    ``refused`` (the form with its errors), else a redirect (post/redirect/get)."""
    if request.htmx:
        context = {**context, "oob": True}
        return HtmxTemplateResponse(request, template, context, partial=partial, status=status)
    if refused:
        return HtmxTemplateResponse(request, template, context, status=status)
    return redirect(redirect_to)
