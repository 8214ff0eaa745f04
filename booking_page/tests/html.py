"""Reading a booking page's answer as a browser would: its text, and the forms it offers."""

from __future__ import annotations

import re
from html import unescape


def text(response) -> str:
    """What a reader sees: the page's text with tags and repeated spaces gone."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def forms(response) -> list[dict]:
    """Every POST form on the page: its action and its hidden fields."""
    found = []
    posted = re.findall(r'<form([^>]*method="post"[^>]*)>(.*?)</form>', response.content.decode(), re.S)
    for attributes, inner in posted:
        action = unescape(re.search(r'action="([^"]*)"', attributes).group(1))
        hidden = {
            unescape(name): unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', inner)
        }
        found.append({"action": action, **hidden})
    return found


def form_to(response, path: str) -> dict:
    """The one POST form whose action's path matches the pattern `path`: its hidden fields, and `action`."""
    [found] = [form for form in forms(response) if re.fullmatch(path, form["action"].split("?")[0])]
    return found


def urls_in(response) -> list[str]:
    """Every address the page links, posts or points to."""
    return [unescape(url) for url in re.findall(r'(?:href|action|src)="([^"]*)"', response.content.decode())]
