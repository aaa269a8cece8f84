"""Reading connection fields without a secret on the command line, with the terminal,
stdin and environment injected."""

from __future__ import annotations

import io

import pytest

from ordergate.runtime import secret_input
from ordergate.runtime.cli_errors import UsageError
from ordergate.runtime.secret_input import Sources


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_field_the_broker_marks_secret_is_refused_as_a_literal_too() -> None:
    given = secret_input.split(["username=me", "pin=1234"])
    secret_input.refuse_literal_secrets(given, secret_input.ALWAYS_SECRET)  # pin is not always secret
    with pytest.raises(UsageError, match=r"^--set pin=…: a secret on the command line"):
        secret_input.refuse_literal_secrets(given, {"pin"})


def test_stdin_lines_are_read_in_command_line_order_keeping_inner_spaces() -> None:
    sources = Sources(io.StringIO(" first pass \nsecond\r\n"), {})
    given = secret_input.split(["password=-", "username=me", "api_key=-"])
    assert secret_input.resolve(given, sources) == {
        "password": " first pass ",
        "username": "me",
        "api_key": "second",
    }


def test_on_a_terminal_the_value_comes_from_the_prompt_not_from_stdin() -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "typed"

    sources = Sources(Terminal("never read\n"), {}, prompt)
    assert secret_input.resolve({"password": "-"}, sources) == {"password": "typed"}
    missing = secret_input.prompt_missing(
        ["host", "password", "sec"], {"password": "x"}, {"password", "sec"}, sources
    )
    assert missing == {"sec": "typed"} and asked == ["password: ", "sec: "]


def test_off_a_terminal_nothing_is_prompted_for() -> None:
    sources = Sources(io.StringIO(""), {}, lambda _: pytest.fail("prompted"))
    assert secret_input.prompt_missing(["password"], {}, {"password"}, sources) == {}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("password", "--set 'password': write FIELD=VALUE"),
        ("=x", "--set '=x': write FIELD=VALUE"),
    ],
)
def test_a_malformed_item_is_named(item: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        secret_input.split([item])
    assert err.value.message == message and err.value.status == 2


def test_a_field_given_twice_is_refused() -> None:
    with pytest.raises(UsageError, match="password is given twice"):
        secret_input.split(["password=-", "password=env:X"])


@pytest.mark.parametrize("ref", ["env:1BAD", "${env:}", "env:A-B"])
def test_an_environment_reference_must_name_a_variable(ref: str) -> None:
    with pytest.raises(UsageError, match="is not the name of an environment variable"):
        secret_input.resolve({"password": ref}, Sources(io.StringIO(""), {"A": "x"}))
