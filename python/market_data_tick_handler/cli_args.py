"""argparse ``type=`` and ``action=`` helpers: each value is checked where argparse parses it,
so a wrong value is one ``error: argument --x: ...`` line and exit code 2."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def checked(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse type: its ValueError message is the error shown."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


def int_at_least(minimum: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return convert


def checked_list(check: Callable[[list[str]], Any]) -> type[argparse.Action]:
    """An action for ``nargs`` options whose values are checked together by ``check`` (it
    raises ValueError); the option keeps the values as given."""

    class CheckedList(argparse.Action):
        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
            items = [values] if isinstance(values, str) else list(values or [])
            try:
                check(items)
            except ValueError as exc:
                raise argparse.ArgumentError(self, str(exc)) from None
            setattr(namespace, self.dest, items)

    return CheckedList
