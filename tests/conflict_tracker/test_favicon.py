from django.test import Client


def test_the_favicon_browsers_ask_for_leads_to_the_sites_icon(db):
    client = Client()
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"


def test_every_page_names_its_icon(db):
    html = Client().get("/").content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html
