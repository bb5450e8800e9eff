"""The close's records in the admin: runs with their steps, snapshots, penalty caps, rules."""

import pytest
from django.urls import reverse

from loans.models import CloseRun, PenaltyCap, PortfolioSnapshot
from tests.eod.helpers import close, make_loan


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_admin_shows_the_close(admin_client):
    make_loan()
    close()
    run = CloseRun.objects.get()
    pages = [
        reverse("admin:loans_closerun_changelist"),
        reverse("admin:loans_closerun_change", args=[run.pk]),
        reverse("admin:loans_closesteprun_changelist"),
        reverse("admin:loans_portfoliosnapshot_changelist"),
        reverse("admin:loans_penaltycap_changelist"),
        reverse("admin:compliance_classificationrule_changelist"),
        reverse("admin:compliance_classificationrule_add"),
        reverse("admin:django_celery_beat_periodictask_changelist"),
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
    listing = admin_client.get(reverse("admin:loans_closerun_changelist")).content.decode()
    # step × chunk rows done: eleven chunked steps of one chunk (buyback and auto-debit among
    # them), and six (month end included)
    assert "17/17" in listing
    assert PortfolioSnapshot.objects.exists() and not PenaltyCap.objects.exists()


@pytest.mark.django_db
def test_the_beat_schedule_is_installed():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="End-of-day close")
    assert task.task == "loans.tasks.close_business_day"
    assert task.enabled and task.crontab.hour == "23"
