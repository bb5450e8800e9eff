"""Settings shared by every environment; each value can be overridden from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = env("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "core",
    "events",
    "ledger",
    "loans",
    "origination",
    "funding",
    "collection",
    "compliance",
    "payments",
    "demo",
    "borrower_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database(url: str, *, conn_max_age: int) -> dict:
    """A database setting from a URL. On PostgreSQL the hot money statements (repayments,
    postings) run as prepared statements: planned once per connection, not on every call.
    Django leaves psycopg's preparation off, so it is switched on here; the ORM's own queries
    still bind on the client and are never prepared. Behind a pooler in transaction mode
    without prepared-statement support, set DATABASE_PREPARE_THRESHOLD=off."""
    config = dj_database_url.parse(url, conn_max_age=conn_max_age)
    if config["ENGINE"] == "django.db.backends.postgresql":
        threshold = env("DATABASE_PREPARE_THRESHOLD", "5")
        config.setdefault("OPTIONS", {})["prepare_threshold"] = (
            None if threshold.lower() in {"off", "none"} else int(threshold)
        )
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # The demo's server, poller and gateway callbacks write at once: a writer takes the
        # lock when its transaction begins (a deferred one upgrading its read lock would fail at
        # once with "database is locked") and waits up to 20 s for it.
        config.setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
    return config


DATABASES = {
    "default": database(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# A shared cache (Redis) keeps throttle counts across web workers; local memory otherwise.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL")}
        if env("CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: without a broker every task runs eagerly in-process (the `make run` demo).
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
# Where produced report files go (default: MEDIA_ROOT/reports, else var/reports).
REPORTS_ROOT = env("REPORTS_ROOT")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Tokens first: an anonymous API call is answered 401 with a WWW-Authenticate challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.PreparedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "core.api.problem.problem_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_RATES": {
        "anon_quote": env("THROTTLE_ANON_QUOTE", "60/min"),
        "auth_token": env("THROTTLE_AUTH_TOKEN", "10/min"),
        "repayment": env("THROTTLE_REPAYMENT", "30/min"),
        "backoffice": env("THROTTLE_BACKOFFICE", "600/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "installment-ledger API",
    "DESCRIPTION": "Consumer and back-office API of the installment-loan core ledger.",
    "VERSION": "1.0.0",
    # 3.1: the event types are published under `webhooks` (events.openapi).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets served from the sidecar package: /api/docs/ works with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.problem.problem_content_types",
        "core.api.problem_examples.problem_examples",
        "events.openapi.webhooks_publish",
    ],
}

# How far beyond a loan's payoff amount a borrower's own payment may go (in the loan's currency):
# more is refused; up to it the excess is held for the customer and refundable on request.
PAYMENT_EXCESS_TOLERANCE = env("PAYMENT_EXCESS_TOLERANCE", "100.00")

# The lender whose business date and books this deployment keeps.
LEDGER_LENDER = env("LEDGER_LENDER", "default")
# First business date when the books are opened; empty means the local calendar date at opening.
LEDGER_INITIAL_BUSINESS_DATE = env("LEDGER_INITIAL_BUSINESS_DATE")
# psql function posting (one round trip) when the database is PostgreSQL; the ORM path otherwise.
LEDGER_POSTING_BACKEND = env("LEDGER_POSTING_BACKEND", "auto")

# The end-of-day close's steps, in order: apps register them (`loans.eod.steps`); the close
# refuses to start when this list and the registered steps disagree.
# Months of journal partitions the close keeps created ahead of the business date.
LEDGER_PARTITIONS_AHEAD_MONTHS = int(env("LEDGER_PARTITIONS_AHEAD_MONTHS", "2"))

# The close's workers: how many `close_work` tasks a close queues, and how long a worker's lease
# on a chunk lasts without a heartbeat before another worker may take the chunk over.
CLOSE_WORKERS = int(env("CLOSE_WORKERS", "4"))
CLOSE_LEASE_SECONDS = int(env("CLOSE_LEASE_SECONDS", "30"))
# A fault-injection point for drills (scripts/cluster.py): "STEP:SECONDS" makes a leased worker
# wait that long inside each chunk of STEP, after its work and before its commit, so a fault
# aimed at it lands while it holds the lease. Empty (off) in every real deployment.
CLOSE_FAULT_HOLD = env("CLOSE_FAULT_HOLD", "")

CLOSE_STEPS = (
    "rate_resets",  # loans: floating-rate loans repriced on their reset dates, schedules rebuilt
    "accrual",  # loans: interest of the day, period fees falling due
    "due",  # loans: installments falling due
    "delinquency",  # loans: days past due and buckets
    "penalties",  # loans: penalty interest, capped at the all-in cost ceiling
    "states",  # loans: non-accrual, charge-off, delinquent / cured
    "buyback",  # funding: guaranteed partner shares past the threshold bought back (代偿)
    "staging",  # compliance: IFRS 9 stages, with cure period and a log of moves
    "provisioning",  # compliance: five-category classification, allowance change
    "collection",  # collection: cases open, move on and close
    "credit_lines",  # origination: lines frozen, unfrozen, closed; collateral released
    "snapshot",  # loans: the daily portfolio snapshot
    "month_end",  # compliance: loan states captured on a month's last business date
    "journal",  # loans: ledger partitions made ahead, the month's opening balances recorded
    "advance",  # loans: the business date moves to the next day
    "auto_debit",  # payments: the next day's auto-debits planned (and sent on simulated time)
    "reports",  # compliance: the reports due for the date closed (daily; monthly at month end)
)

# Payments: the gateway backend ("immediate": money moves as the order is sent, the direct path;
# "local": scripts/local_gateway.py over HTTP; "provider": the real-provider template), its
# address and shared secret, the callback address it is given, and its request timeout.
PAYMENTS_GATEWAY = env("PAYMENTS_GATEWAY", "immediate")
PAYMENTS_GATEWAY_URL = env("PAYMENTS_GATEWAY_URL", "http://127.0.0.1:8002")
PAYMENTS_GATEWAY_SECRET = env("PAYMENTS_GATEWAY_SECRET", "gwsec_local_development_only")
PAYMENTS_CALLBACK_URL = env(
    "PAYMENTS_CALLBACK_URL", "http://127.0.0.1:8000/api/v1/payments/callbacks/local"
)
PAYMENTS_GATEWAY_TIMEOUT = float(env("PAYMENTS_GATEWAY_TIMEOUT", "5"))
# An open order the gateway answers it never received is expired this long after it was
# created (before that the poller sends it again). Ask the provider how long it keeps orders.
PAYMENTS_UNKNOWN_ORDER_EXPIRY_MINUTES = float(env("PAYMENTS_UNKNOWN_ORDER_EXPIRY_MINUTES", "1440"))
# A failed order is asked about again for this long: a success reported after the failure
# (the money moved after all) whose callback was lost is found by polling.
PAYMENTS_FAILED_RECHECK_MINUTES = float(env("PAYMENTS_FAILED_RECHECK_MINUTES", "60"))

# IFRS 9 staging: days past due backstops and the cure period before a better stage.
ECL_STAGE2_DAYS_PAST_DUE = int(env("ECL_STAGE2_DAYS_PAST_DUE", "30"))
ECL_STAGE3_DAYS_PAST_DUE = int(env("ECL_STAGE3_DAYS_PAST_DUE", "90"))
ECL_CURE_PERIOD_DAYS = int(env("ECL_CURE_PERIOD_DAYS", "90"))
# A significant increase in credit risk (stage 2): the borrower's latest credit score at least
# this many points below the score the loan was granted on (0: the trigger is off).
ECL_SCORE_DOWNGRADE_POINTS = int(env("ECL_SCORE_DOWNGRADE_POINTS", "50"))
# ECL: the floor under each month's PD, the forward-looking overlay (name, weight, PD
# multiplier; weights sum to 1) and the loss given default per product code.
ECL_PD_FLOOR = env("ECL_PD_FLOOR", "0.0003")
ECL_SCENARIOS = (("base", "0.6", "1"), ("upside", "0.1", "0.8"), ("downside", "0.3", "1.4"))
ECL_LGD = {"default": "0.45"}
# LGD from the book's own write-offs and the recoveries on them: used per product once it has
# ECL_LGD_MIN_WRITE_OFFS loans written off at least ECL_LGD_WORKOUT_DAYS ago (else ECL_LGD),
# never below ECL_LGD_FLOOR.
ECL_LGD_MIN_WRITE_OFFS = int(env("ECL_LGD_MIN_WRITE_OFFS", "30"))
ECL_LGD_WORKOUT_DAYS = int(env("ECL_LGD_WORKOUT_DAYS", "180"))
ECL_LGD_FLOOR = env("ECL_LGD_FLOOR", "0.10")
# The basis the ledger's allowance (1304) follows: "cn_five_category" (the regulator's ratios)
# or "ifrs9" (expected credit loss); the other is computed and reported beside it.
PROVISIONING_BASIS = env("PROVISIONING_BASIS", "cn_five_category")

# Collections: how messages leave ("console", "file" or a dotted ChannelBackend path), optionally
# per channel ({"sms": "myapp.sms.GatewayBackend"}), the lender name every message must carry,
# and extra words (comma-separated) the guard treats as threatening on top of its own list.
COLLECTION_CHANNEL_BACKEND = env("COLLECTION_CHANNEL_BACKEND", "console")
COLLECTION_CHANNEL_BACKENDS: dict[str, str] = {}
COLLECTION_FILE_BACKEND_PATH = env(
    "COLLECTION_FILE_BACKEND_PATH", str(BASE_DIR / "var" / "collection-messages.jsonl")
)
COLLECTION_LENDER_NAME = env("COLLECTION_LENDER_NAME", "Example Consumer Finance")
COLLECTION_THREATENING_WORDS = [
    word.strip() for word in env("COLLECTION_THREATENING_WORDS", "").split(",") if word.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# Fernet key for borrowers' personal data at rest (loans/pii.py); derived from SECRET_KEY if unset.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
