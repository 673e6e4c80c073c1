from core.access import roles_of
from core.roles import COORDINATOR, EDITOR, STAFF


def roles(request):
    """Role flags for templates; the roles are asked for once a request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    names = roles_of(request)  # the same cache the views' access check fills
    return {
        "is_editor": user.is_superuser or EDITOR in names,
        "is_coordinator": user.is_superuser or COORDINATOR in names,
        "has_role": user.is_superuser or bool(names),
        "role_names": sorted(names),
        "STAFF_ROLE": STAFF,
    }
