"""The reference borrower app at ``/app/``: server-rendered pages (translated, accessible) and
one small vanilla JS file that talks to the public consumer API only (``/api/v1/``) with the
borrower's token. It imports nothing of the project's domain (an import-linter contract says
so): it is the living example for a lender's app team."""
