"""Reading the stream: events in the order their transactions ended, behind an opaque cursor.

The cursor is ``<transaction id>-<position>`` of the last event read. Only events of
transactions that have ended (below the horizon of the oldest transaction still running in this
database) are served, ordered by transaction then position: an event committed later always
sorts after every event already served, so a client polling `after` never misses one.
"""

from __future__ import annotations

from django.db import connection

from core.errors import DomainError

from .models import Event

# The horizon: the oldest transaction still running in this database (transactions of other
# databases on the same server are left out). Events of transactions below it have all ended.
HORIZON_CTES = """
  snap AS (SELECT pg_current_snapshot() AS s),
  elsewhere AS (SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
                 WHERE datname IS DISTINCT FROM current_database()
                   AND backend_xid IS NOT NULL),
  h AS (SELECT coalesce(min(x::text::bigint), min(pg_snapshot_xmax(snap.s)::text::bigint)) AS xmin
          FROM snap LEFT JOIN LATERAL pg_snapshot_xip(snap.s) AS x
            ON x::text::bigint %% 4294967296 NOT IN (SELECT xid FROM elsewhere))"""
HORIZON = f"WITH {HORIZON_CTES} SELECT xmin FROM h"


class BadCursor(DomainError):
    status_code = 400
    code = "bad-cursor"
    title = "The cursor is not one this stream gave out."


def cursor_of(event: Event) -> str:
    return f"{event.txid}-{event.position}"


def cursor_parse(cursor: str) -> tuple[int, int]:
    txid, _, position = cursor.partition("-")
    if not (txid.isdigit() and position.isdigit()):
        raise BadCursor(f"Bad cursor {cursor!r}.")
    return int(txid), int(position)


def events_after(cursor: str | None, *, limit: int = 500) -> list[Event]:
    """The next `limit` ended events after `cursor` (from the start when None)."""
    txid, position = cursor_parse(cursor) if cursor else (0, 0)
    with connection.cursor() as db:
        db.execute(HORIZON, [])
        (horizon,) = db.fetchone()
    return list(
        Event.objects.filter(txid__lt=horizon)
        .extra(where=["(txid, position) > (%s, %s)"], params=[txid, position])
        .order_by("txid", "position")[:limit]
    )
