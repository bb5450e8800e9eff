from .cases import CollectionCase, CollectorQueueCase
from .contacts import ATTEMPT_RETENTION_YEARS, ContactAttempt, PromiseToPay
from .strategies import ScheduledAction, Strategy, StrategyStep

__all__ = [
    "ATTEMPT_RETENTION_YEARS",
    "CollectionCase",
    "CollectorQueueCase",
    "ContactAttempt",
    "PromiseToPay",
    "ScheduledAction",
    "Strategy",
    "StrategyStep",
]
