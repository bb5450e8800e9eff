import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from demo.calendar import books_open_for_history
from demo.products import demo_products_load
from demo.simulation import demo_merchants_ensure
from ledger.services import business_date_current


class Command(BaseCommand):
    help = "Prepare the local demo: an admin user (credentials printed), open books, demo products."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history-days",
            type=int,
            default=0,
            help="open the books that many days before today, so that a `simulate --days N` "
            "of the same N ends with today as the business date (only when the books are not "
            "open yet; the wall clock is read here, once)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not os.environ.get("DEMO_FORCE"):
            raise CommandError("demo_setup is for the local demo (DEBUG on); set DEMO_FORCE=1.")
        username = os.environ.get("DEMO_ADMIN_USER", "admin")
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "admin-password")
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=username, defaults={"email": ""})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        if options["history_days"] < 0:
            raise CommandError("--history-days must be 0 or more.")
        if options["history_days"]:
            business_date = books_open_for_history(days=options["history_days"])
        else:
            business_date = business_date_current()
        products = demo_products_load(on_date=business_date)
        merchants = demo_merchants_ensure()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("installment-ledger demo"))
        self.stdout.write(
            f"  admin:  http://127.0.0.1:8000/admin/   user {username!r}  password {password!r}"
        )
        self.stdout.write("  API:    http://127.0.0.1:8000/api/docs/")
        self.stdout.write(f"  business date: {business_date}")
        self.stdout.write(
            "  products: " + ", ".join(f"{item.product.code} ({item.action})" for item in products)
        )
        self.stdout.write("  merchants: " + ", ".join(merchant.code for merchant in merchants))
        self.stdout.write("")
