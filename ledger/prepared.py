"""Hot statements run as prepared statements on PostgreSQL: parsed and planned once per
connection rather than on every call, as Django's client-side binding would.

They bypass Django's cursor wrappers (query logging and counting); errors still come back as
Django's (an `IntegrityError` on a unique violation). Preparation needs `prepare_threshold` set
on the connection (`config.settings.base.database`); with it off they run unprepared.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from django.db import connection


def fetch_prepared(sql: str, params: Sequence[object], *, one: bool = False):
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone() if one else cursor.fetchall()
