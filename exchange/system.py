"""The installation's exchange account: the actor of what the exchange does by itself (a recall applied
to a registered incoming document), so every history and audit entry names who did it. It cannot log in."""

from __future__ import annotations

from orgs.models import User

USERNAME = "truc-lien-thong"


def system_user() -> User:
    user, created = User.objects.get_or_create(
        username=USERNAME, defaults={"full_name": "Trục liên thông (tự động)", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
