"""Who may call what: borrowers see their own loans; staff need the matching Django permission."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


def borrower_of(user):
    """The signed-in user's borrower, or None (staff, or a user who never borrowed).

    A missing reverse one-to-one raises ``RelatedObjectDoesNotExist``, an ``AttributeError``."""
    if not user or not user.is_authenticated:
        return None
    return getattr(user, "borrower", None)


class IsBorrower(BasePermission):
    """An authenticated user linked to a borrower."""

    message = _("Only a borrower can do this.")

    def has_permission(self, request, view) -> bool:
        return borrower_of(request.user) is not None


class StaffPermission(BasePermission):
    """A staff user holding the view's ``required_permission`` (e.g. ``loans.approve_loan``)."""

    message = _("You do not have the permission this action needs.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        required = getattr(view, "required_permission", None)
        return bool(
            user
            and user.is_authenticated
            and user.is_active
            and user.is_staff
            and required
            and user.has_perm(required)
        )
