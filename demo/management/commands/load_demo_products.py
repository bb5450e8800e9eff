from django.core.management.base import BaseCommand, CommandError

from demo.products import demo_products_load
from ledger.services import business_date_current
from loans.services.products import ProductRuleError


class Command(BaseCommand):
    help = (
        "Load the demo products (demo/fixtures/demo_products.json) through the product rules; "
        "existing products are kept unless --update."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update", action="store_true", help="Reset existing demo products to the fixture."
        )

    def handle(self, *args, **options):
        try:
            loaded = demo_products_load(on_date=business_date_current(), update=options["update"])
        except ProductRuleError as exc:
            raise CommandError(exc.detail) from exc
        for item in loaded:
            self.stdout.write(f"  {item.action:<8} {item.product.code}: {item.product.name}")
