"""Rendering values never runs a query, and shows what a user needs to see."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from orm_viz.db.demo import configure_django, fresh_copy
from orm_viz.trace.render import render_exception, render_value


def in_fresh_db_thread(work: Callable[[], Any]) -> Any:
    """Run sync ORM code in a thread of its own, on its own copy of the demo database."""
    configure_django()
    from django.db import connections

    database = fresh_copy()
    outcome: dict[str, Any] = {}

    def target() -> None:
        connection = connections["default"]
        connection.settings_dict = {**connection.settings_dict, "NAME": str(database)}
        try:
            outcome["value"] = work()
        except BaseException as error:
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_rendering_lazy_orm_objects_runs_no_query() -> None:
    def work() -> tuple[list[str], list[str]]:
        from django.db import connection
        from django.utils.functional import SimpleLazyObject

        from demo_db.models import Post, User

        loop = asyncio.new_event_loop()
        queryset = User.objects.filter(active=True)
        evaluated = list(User.objects.filter(active=False))
        cached = User.objects.all()
        list(cached)
        deferred = User.objects.only("name").get(pk=1)
        post = Post.objects.get(pk=1)  # author not loaded: rendering must not load it
        lazy = SimpleLazyObject(lambda: User.objects.get(pk=2))
        future = loop.create_future()
        future.set_result(queryset)
        pending = loop.create_future()
        coroutine = User.objects.acount()
        values = [
            queryset,
            cached,
            evaluated,
            deferred,
            post,
            lazy,
            future,
            pending,
            queryset.count,
            User.objects,
            coroutine,
            {"qs": queryset, "lazy": lazy},
        ]
        seen: list[str] = []

        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            rendered = [render_value(v) for v in values]
        coroutine.close()
        loop.close()
        return rendered, seen

    rendered, queries = in_fresh_db_thread(work)
    assert queries == []
    queryset, cached, evaluated, deferred, post, lazy, future, pending, method, manager, coro, d = (
        rendered
    )
    assert queryset.startswith("<QuerySet User unevaluated: SELECT")
    assert "WHERE" in queryset
    assert cached.startswith("<QuerySet User evaluated, 8 rows cached")
    assert evaluated.startswith("[<User #3 name='carol'")
    assert "email=<deferred>" in deferred
    assert post.startswith("<Post #1 author_id=1 ")
    assert lazy == "<lazy object: not evaluated>"
    assert future.startswith("<Future done: <QuerySet User unevaluated")
    assert pending == "<Future pending>"
    assert method == "<bound method QuerySet.count>"
    assert manager == "<Manager for User>"
    assert coro == "<coroutine QuerySet.acount: created, never awaited yet>"
    assert d.startswith("{'qs': <QuerySet User unevaluated")


def test_hostile_strings_are_kept_as_plain_data() -> None:
    from demo_db.seed import EMOJI_NAME, LONG_BIO, MARKUP_NAME, RTL_NAME

    assert render_value(MARKUP_NAME) == "'[bold red]x[/]'"
    assert EMOJI_NAME in render_value(EMOJI_NAME)
    assert RTL_NAME in render_value(RTL_NAME)
    long = render_value(LONG_BIO)
    assert len(long) < 120
    assert long.endswith("…(+920 chars)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "None"),
        (True, "True"),
        (3, "3"),
        (1.5, "1.5"),
        ("a", "'a'"),
        ((1,), "(1,)"),
        (list(range(10)), "[0, 1, 2, 3, 4, 5, …+4]"),
        ({"a": [1, [2, [3]]]}, "{'a': [1, […2 items]]}"),
        (set(), "set()"),
        (b"x", "b'x'"),
    ],
)
def test_plain_values_render_like_repr_but_bounded(value: object, expected: str) -> None:
    assert render_value(value) == expected


def test_objects_with_hostile_dunder_methods_are_not_called() -> None:
    class Explodes:
        def __repr__(self) -> str:
            raise AssertionError("repr must not be called")

        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"{name} must not be read")

    class Sneaky(str):
        def __repr__(self) -> str:
            raise AssertionError("a str subclass's repr must not be called")

    assert (
        render_value(Explodes())
        == "<test_objects_with_hostile_dunder_methods_are_not_called.<locals>.Explodes object>"
    )
    assert render_value(Sneaky("x")) == "'x'"


def test_exceptions_render_as_type_and_message() -> None:
    assert render_exception(TypeError("bad")) == "TypeError: bad"
    assert render_value(ValueError("no")) == "<ValueError: no>"
