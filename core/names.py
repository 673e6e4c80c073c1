"""How a person with a login is named everywhere: the dashboard, the log, the e-mails."""


def person_name(user) -> str:
    """The full name, falling back to the username; '' without a user."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
