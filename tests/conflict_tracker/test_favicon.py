from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import Client


def test_the_favicon_browsers_ask_for_leads_to_the_sites_icon(db):
    response = Client().get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"
    assert Path(finders.find("img/favicon.svg")).read_text().startswith("<svg")


def test_every_page_names_its_icon(db):
    html = Client().get("/").content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html
