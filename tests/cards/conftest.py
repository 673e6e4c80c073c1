import pytest


@pytest.fixture
def admin_editor(editor):
    """A Redaktør who can open the admin: the role gives permissions, is_staff the door."""
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    return editor


@pytest.fixture
def admin_staff_user(staff_user):
    staff_user.is_staff = True
    staff_user.save(update_fields=["is_staff"])
    return staff_user
