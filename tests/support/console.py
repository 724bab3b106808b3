"""Logging in to the operator console over real HTTP, as a browser without JavaScript does."""

from __future__ import annotations

import re

import httpx

from tests.conftest import RunningHub

PASSWORD = "correct horse battery staple"
_HIDDEN = re.compile(r'name="(csrf_token|login_token)" value="([^"]+)"')


def hidden_token(html: str, name: str = "csrf_token") -> str:
    tokens = dict(_HIDDEN.findall(html))
    assert name in tokens, f"no {name} in the page"
    return tokens[name]


def login(hub: RunningHub, name: str, password: str = PASSWORD) -> httpx.Client:
    """A client holding a console session of ``name``; fails the test if the login is refused."""
    client = httpx.Client(base_url=hub.url, timeout=30)
    token = hidden_token(client.get("/console/login").text, "login_token")
    answer = client.post("/console/login", data={"name": name, "password": password, "login_token": token})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/", "login refused"
    return client


def csrf_of(client: httpx.Client) -> str:
    return hidden_token(client.get("/console/").text)
