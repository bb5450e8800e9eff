"""The audit trail and the adjustment requests moved from compliance to core and loans (0007);
their old content types stayed behind with five permissions that grant nothing (no model answers
to them) and showed on the user and group pages under a bare model code. They go, with their
permissions; the moved models keep their own."""

from django.db import migrations

MOVED = ("adjustmentrequest", "auditevent")


def remove(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="compliance", model__in=MOVED).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0010_verbose_names_translated"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0001_initial"),
        ("loans", "0010_house_moves"),
    ]
    operations = [migrations.RunPython(remove, migrations.RunPython.noop)]
