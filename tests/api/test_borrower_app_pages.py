"""The borrower app's pages: served in English and Chinese, every form control labelled, a
viewport for phones, and no call but to the public API."""

import re
from pathlib import Path

import pytest
from django.test import Client

PAGES = ["/app/", "/app/quote/", "/app/loans/1/", "/app/credit/"]
APP_JS = Path(__file__).resolve().parents[2] / "borrower_app" / "static" / "borrower_app" / "app.js"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("language", "word"), [("en", "My loans"), ("zh-hans", "我的借款")])
def test_each_page_is_served_translated_and_labelled(path, language, word):
    html = Client(HTTP_ACCEPT_LANGUAGE=language).get(path).content.decode()
    assert f'<html lang="{language}">' in html and word in html
    assert 'name="viewport" content="width=device-width' in html
    controls = set(
        re.findall(r"<(?:input|select)\b(?![^>]*type=\"hidden\")[^>]*\bid=\"([\w-]+)\"", html)
    )
    labelled = set(re.findall(r'<label[^>]*\bfor="([\w-]+)"', html))
    assert controls and controls <= labelled, controls - labelled


def test_the_app_calls_only_the_public_api():
    source = APP_JS.read_text()
    assert re.findall(r"fetch\((\w+)", source) == ["API"]
    assert "/admin" not in source
