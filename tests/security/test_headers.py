"""The Content Security Policy and the other security headers, and templates and scripts
that stay within the policy: no inline script or handler, no style attribute, no eval."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {name: values for name, *values in parts}


def test_every_page_carries_a_strict_policy_with_a_fresh_nonce(grid, client_for):
    client = client_for(grid.users["teacher"])
    first = client.get(reverse("home"))
    policy = directives(first)
    script = policy["script-src"]
    assert "'self'" in script
    assert "'unsafe-eval'" not in script and "'unsafe-inline'" not in script
    nonce = next(v for v in script if v.startswith("'nonce-"))[len("'nonce-") : -1]
    assert f'nonce="{nonce}"' in first.content.decode()
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    second = directives(client.get(reverse("home")))["script-src"]
    assert second != script  # a nonce per response


def test_the_login_page_and_error_pages_carry_it_too(db, client):
    assert "script-src" in directives(client.get(reverse("login")))
    assert "script-src" in directives(client.get("/no-such-page/"))


def test_the_other_headers(grid, client_for):
    response = client_for(grid.users["teacher"]).get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def our_files(pattern):
    for folder in ("templates", "static/js"):
        yield from (p for p in (ROOT / folder).rglob(pattern) if "vendor" not in p.parts)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"\sstyle\s*=|<style", re.I)
EVAL = re.compile(r"\beval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*['\"]")


def test_templates_have_no_inline_script_handler_or_style():
    checked = 0
    for path in our_files("*.html"):
        text = path.read_text()
        checked += 1
        for rule, what in [
            (INLINE_SCRIPT, "an inline <script>"),
            (HANDLER, "an on...= handler"),
            (STYLE, "a style attribute or <style>"),
        ]:
            match = rule.search(text)
            assert match is None, f"{path.relative_to(ROOT)} has {what}: {match.group(0)!r}"
    assert checked > 20


def test_our_scripts_do_not_eval():
    scripts = list(our_files("*.js"))
    assert scripts
    for path in scripts:
        assert not EVAL.search(path.read_text()), path
