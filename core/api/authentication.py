"""Token authentication with its lookup run as one prepared statement.

Every signed-in API call starts here. DRF's `TokenAuthentication` compiles
``Token.objects.select_related("user").get(key=…)`` on each request, which here cost more than
the loan resource's own reads. This reads the same token and user in one prepared statement
(`core.db.fetch_prepared`) on PostgreSQL, builds them as the ORM would (`Model.from_db`), and
answers exactly as DRF does: the same errors for an unknown key and an inactive user. Elsewhere
(the SQLite demo) it is DRF's lookup.
"""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from core.db import fetch_prepared


@lru_cache(maxsize=1)
def _lookup() -> tuple[list[str], list[str], str]:
    user_model = get_user_model()
    user_fields = [field.attname for field in user_model._meta.concrete_fields]
    token_fields = [field.attname for field in Token._meta.concrete_fields]
    columns = [f't."{Token._meta.get_field(name).column}"' for name in token_fields]
    columns += [f'u."{user_model._meta.get_field(name).column}"' for name in user_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {Token._meta.db_table} t"
        f" JOIN {user_model._meta.db_table} u ON u.{user_model._meta.pk.column} = t.user_id"
        f" WHERE t.key = %s"
    )
    return token_fields, user_fields, sql


class PreparedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, looked up in one prepared statement."""

    def authenticate_credentials(self, key):
        if connection.vendor != "postgresql" or self.get_model() is not Token:
            return super().authenticate_credentials(key)
        token_fields, user_fields, sql = _lookup()
        row = fetch_prepared(sql, [key], one=True)
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        split = len(token_fields)
        user = get_user_model().from_db(connection.alias, user_fields, row[split:])
        token = Token.from_db(connection.alias, token_fields, row[:split])
        token.user = user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
