from datetime import date, datetime, time
from zoneinfo import ZoneInfo


def at(day: str, clock: str, zone: str) -> datetime:
    """An aware datetime: `day` at `clock` in time zone `zone`."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), ZoneInfo(zone))
