"""The Content-Security-Policy: its exact directives on every kind of page (the site's, the API docs, the admin),
and templates free of what it forbids (inline scripts, <style> elements, style attributes)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conflict_tracker.settings import _tile_source
from events.choices import IncidentStatus
from tests.factories import ActorFactory, IncidentFactory

EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def template_dirs() -> list[Path]:
    """The project's templates: the shared folder and those of its own apps (not of installed packages)."""
    base = Path(settings.BASE_DIR)
    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]]
    folders += [Path(config.path) / "templates" for config in apps.get_app_configs()]
    return [folder for folder in folders if folder.is_dir() and base in folder.parents and ".venv" not in folder.parts]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


class InlineFinder(HTMLParser):
    """What a strict CSP blocks in a page: <script> without src, <style> elements, style="" and on*="" handlers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        line = self.getpos()[0]
        if tag == "script" and "src" not in names:
            self.found.append(f"line {line}: <script> without src")
        if tag == "style":
            self.found.append(f"line {line}: <style> element")
        for name in names:
            if name == "style":
                self.found.append(f"line {line}: style attribute on <{tag}>")
            elif name.startswith("on"):
                self.found.append(f"line {line}: {name} handler on <{tag}>")


def inline_code(html: str) -> list[str]:
    # Template tags can sit inside a tag's attributes ({% if %} selected{% endif %}); they are not HTML.
    finder = InlineFinder()
    finder.feed(re.sub(r"{% comment %}.*?{% endcomment %}|{%.*?%}|{{.*?}}|{#.*?#}", "", html, flags=re.S))
    finder.close()
    return finder.found


def test_the_finder_catches_each_kind_of_inline_code():
    page = (
        '<script src="/static/a.js"></script><script>alert(1)</script><style>p{}</style>'
        '<p style="color: red">x</p><button onclick="go()">y</button>'
        '{% if x %}<span class="a">{{ value }}</span>{% endif %}{% comment %}not <style>{% endcomment %}'
    )

    assert inline_code(page) == [
        "line 1: <script> without src",
        "line 1: <style> element",
        "line 1: style attribute on <p>",
        "line 1: onclick handler on <button>",
    ]


def test_no_template_holds_an_inline_script_a_style_element_or_a_style_attribute():
    templates = sorted({path for directory in template_dirs() for path in directory.rglob("*.html")})
    found = {
        str(path.relative_to(settings.BASE_DIR)): problems
        for path in templates
        if (problems := inline_code(path.read_text()))
    }

    assert len(templates) > 5
    assert found == {}


def test_the_policy_is_exactly_the_strict_one_and_allows_nothing_inline(client, db):
    header = client.get(reverse("home"))["Content-Security-Policy"]

    assert directives(header) == EXPECTED
    assert "unsafe" not in header


@pytest.fixture
def pages(db):
    incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    actor = ActorFactory()
    return [
        reverse("home"),
        reverse("events:incident-list"),
        reverse("events:incident-map"),
        reverse("events:incident-detail", args=[incident.code]),
        reverse("actors:detail", args=[actor.pk]),
        reverse("login"),
        reverse("api:docs"),
    ]


@pytest.mark.parametrize("role", ["anonymous", "researcher", "analyst", "editor", "admin_user"])
def test_every_page_carries_the_policy_and_serves_no_inline_code(client_as, pages, role):
    client = client_as(role, session=True)

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert directives(response["Content-Security-Policy"]) == EXPECTED, url
        assert inline_code(response.content.decode()) == [], url


def test_the_api_docs_load_their_setup_as_a_script_file_of_this_site(client, db):
    html = client.get(reverse("api:docs")).content.decode()
    (setup,) = re.findall(r'<script src="([^"]*script=[^"]*)"', html)

    script = client.get(setup.replace("&amp;", "&"))

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "css/api_docs.css" in html


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/events/incident/", "/admin/actors/actor/", "/admin/events/incident/add/"]
)
def test_the_admin_pages_carry_the_policy_and_serve_no_inline_script(client, admin_user, url):
    client.force_login(admin_user)

    response = client.get(url)

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == EXPECTED
    assert [problem for problem in inline_code(response.content.decode()) if "script" in problem] == []


def test_the_admin_sign_in_page_carries_the_policy(client, db):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == EXPECTED


def test_json_answers_carry_the_policy_too(client, db):
    assert directives(client.get("/api/v1/incidents/")["Content-Security-Policy"]) == EXPECTED
    assert directives(client.get(reverse("events:incident-map-points"))["Content-Security-Policy"]) == EXPECTED


@pytest.mark.parametrize(
    ("tile_url", "sources"),
    [
        ("", []),
        ("https://tiles.example.org/{z}/{x}/{y}.png", ["https://tiles.example.org"]),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", ["https://*.tile.example.org"]),
        ("http://localhost:8080/tiles/{z}/{x}/{y}.png", ["http://localhost:8080"]),
        ("/tiles/{z}/{x}/{y}.png", []),  # this site's own: 'self' already allows it
    ],
)
def test_the_tile_server_is_the_only_image_host_added(tile_url, sources):
    assert _tile_source(tile_url) == sources
