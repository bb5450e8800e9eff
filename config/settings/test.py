import os
import tempfile

from .base import *  # noqa: F401,F403
from .base import database, env

# The suite runs on PostgreSQL: row locks, triggers and constraints are part of what it tests.
DATABASES = {
    "default": database(
        env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/installment_ledger"),
        conn_max_age=0,
    )
}
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = None
CELERY_TASK_ALWAYS_EAGER = True
SECRET_KEY = os.environ.get("SECRET_KEY", "test-secret-key")
LEDGER_INITIAL_BUSINESS_DATE = "2026-01-01"
# Every close produces its reports: the suite's files go to a scratch directory, not var/.
REPORTS_ROOT = os.path.join(tempfile.gettempdir(), f"il-test-reports-{os.getpid()}")
