from core.roles import COORDINATOR, EDITOR, STAFF, user_roles


def roles(request):
    """Role flags for templates; cached on the request so a page asks the database once."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not hasattr(request, "_roles"):
        request._roles = user_roles(user)
    names = request._roles
    return {
        "is_editor": user.is_superuser or EDITOR in names,
        "is_coordinator": user.is_superuser or COORDINATOR in names,
        "has_role": user.is_superuser or bool(names),
        "role_names": sorted(names),
        "STAFF_ROLE": STAFF,
    }
