"""The admin index shows the portfolio dashboard above the app list
(``loans/templates/admin/loans/index.html``, tag ``loans.templatetags.dashboard``)."""

from django.contrib import admin

admin.site.index_template = "admin/loans/index.html"
