"""What the redactor masks, and what it leaves alone."""

from __future__ import annotations

import pytest

from app.core.redact import MASK, Redactor


@pytest.mark.parametrize(
    "text",
    [
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
        "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
        "AIzaSyA1234567890abcdefghijklmnopqrs",
        "ghp_abcdefghijklmnopqrstuvwxyz0123",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "OPENAI_API_KEY=abc123def456",
        "password: correct-horse",
        "Authorization: Bearer abc.def.ghi",
        "//registry.npmjs.org/:_authToken=abcdef123456",
    ],
)
def test_token_shapes_are_masked(text):
    assert MASK in Redactor()(text)
    secret = text.split()[-1].split("=")[-1]
    assert secret not in Redactor()(text)


def test_values_of_secret_looking_variables_are_masked_wherever_they_appear():
    redact = Redactor({"MY_SERVICE_TOKEN": "plain-looking-value", "PATH": "/usr/bin:/bin"})
    assert redact("echo plain-looking-value done") == f"echo {MASK} done"
    assert redact("PATH is /usr/bin:/bin") == "PATH is /usr/bin:/bin"


def test_credentials_in_urls_are_masked_but_the_host_stays():
    out = Redactor()("proxy http://ada:s3cret@proxy.example.com:3128")
    assert "s3cret" not in out and "proxy.example.com:3128" in out


def test_ordinary_output_is_untouched():
    lines = [
        "added 1 package in 3s",
        "npm warn EBADENGINE   current: { node: 'v18.19.1', npm: '9.2.0' }",
        "2.1.197 (Claude Code)",
        "C:\\Users\\ada\\AppData\\Roaming\\npm\\claude.cmd",
    ]
    for line in lines:
        assert Redactor({"HOME": "/home/ada"})(line) == line
