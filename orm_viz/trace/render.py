"""Render any value as a short string without running code that could hit the database.

``repr(queryset)``, ``bool(queryset)``, ``repr(queryset.count)``, reading a
deferred field, ``isinstance`` on a ``SimpleLazyObject`` and even
``repr(future)`` (it reprs the result) can all run queries. So nothing here
calls ``repr``/``str``/``isinstance`` on an object of unknown type: dispatch is
on the exact type, or on the names of the classes in ``type(value).__mro__``
(read from the type, which a proxy cannot intercept). Django is never imported.
"""

from __future__ import annotations

import inspect
import itertools
import types
from collections.abc import Callable
from typing import Any

MAX_TEXT = 80
MAX_ITEMS = 6
MAX_DEPTH = 2

_Renderer = Callable[[Any, int], str]


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}…(+{len(text) - limit + 1} chars)"


def _render_str(value: Any, depth: int) -> str:
    text = str.__str__(value)
    if len(text) > MAX_TEXT:
        return str.__repr__(text[:MAX_TEXT]) + f"…(+{len(text) - MAX_TEXT} chars)"
    return str.__repr__(text)


def _render_bytes(value: Any, depth: int) -> str:
    return _clip(bytes.__repr__(bytes(value[:MAX_TEXT])))


def _render_number(value: Any, depth: int) -> str:
    for base in (bool, int, float, complex):
        if base in type(value).__mro__:
            return base.__repr__(value)
    return f"<{type(value).__name__}>"


def _render_sequence(open_: str, close: str) -> _Renderer:
    def render(value: Any, depth: int) -> str:
        base = next(b for b in type(value).__mro__ if b in (list, tuple, set, frozenset))
        size = base.__len__(value)
        if depth >= MAX_DEPTH:
            return f"{open_}…{size} items{close}"
        if base in (set, frozenset) and not size:
            return "set()" if base is set else "frozenset()"
        # Only the shown items are read: a million-item local costs no more than six.
        head = itertools.islice(base.__iter__(value), MAX_ITEMS)
        shown = ", ".join(render_value(item, depth + 1) for item in head)
        more = f", …+{size - MAX_ITEMS}" if size > MAX_ITEMS else ""
        trailing = "," if base is tuple and size == 1 else ""
        return f"{open_}{shown}{trailing}{more}{close}"

    return render


def _render_dict(value: Any, depth: int) -> str:
    size = dict.__len__(value)
    if depth >= MAX_DEPTH:
        return f"{{…{size} items}}"
    head = itertools.islice(dict.items(value), MAX_ITEMS)
    shown = ", ".join(
        f"{render_value(k, depth + 1)}: {render_value(v, depth + 1)}" for k, v in head
    )
    more = f", …+{size - MAX_ITEMS}" if size > MAX_ITEMS else ""
    return f"{{{shown}{more}}}"


def _coroutine_state(value: Any) -> str:
    state = inspect.getcoroutinestate(value)
    if state == inspect.CORO_SUSPENDED and value.cr_frame is not None:
        return f"suspended at line {value.cr_frame.f_lineno}"
    return {
        inspect.CORO_CREATED: "created, never awaited yet",
        inspect.CORO_RUNNING: "running",
        inspect.CORO_CLOSED: "closed",
    }.get(state, state.lower())


def _render_coroutine(value: Any, depth: int) -> str:
    return f"<coroutine {value.__qualname__}: {_coroutine_state(value)}>"


def _render_function(value: Any, depth: int) -> str:
    return f"<function {getattr(value, '__qualname__', '?')}>"


def _render_method(value: Any, depth: int) -> str:
    # repr(bound_method) reprs __self__; for a QuerySet that runs the query.
    func = value.__func__
    return f"<bound method {getattr(func, '__qualname__', '?')}>"


def _render_type(value: Any, depth: int) -> str:
    return f"<class {type.__getattribute__(value, '__qualname__')}>"


def _render_module(value: Any, depth: int) -> str:
    return f"<module {types.ModuleType.__getattribute__(value, '__name__')}>"


_EXACT: dict[type, _Renderer] = {
    type(None): lambda v, d: "None",
    bool: _render_number,
    int: _render_number,
    float: _render_number,
    complex: _render_number,
    str: _render_str,
    bytes: _render_bytes,
    bytearray: _render_bytes,
    list: _render_sequence("[", "]"),
    tuple: _render_sequence("(", ")"),
    set: _render_sequence("{", "}"),
    frozenset: _render_sequence("frozenset({", "})"),
    dict: _render_dict,
    types.CoroutineType: _render_coroutine,
    types.FunctionType: _render_function,
    types.BuiltinFunctionType: _render_function,
    types.MethodType: _render_method,
    types.ModuleType: _render_module,
    type: _render_type,
}


def _model_name(value: Any) -> str:
    meta = type(value).__dict__.get("_meta")
    return getattr(meta, "object_name", type(value).__name__)


def _render_queryset(value: Any, depth: int) -> str:
    state = object.__getattribute__(value, "__dict__")
    model = state.get("model")
    model_name = getattr(model, "__name__", "?")
    cache = state.get("_result_cache")
    if cache is None:
        status = "unevaluated"
    else:
        count = len(cache) if type(cache) is list else "?"
        status = f"evaluated, {count} rows cached"
    sql = _queryset_sql(state.get("_query"))
    return f"<QuerySet {model_name} {status}{': ' + sql if sql else ''}>"


def _queryset_sql(query: Any) -> str:
    """SQL of an unevaluated query, compiled without touching a connection's cursor."""
    if query is None:
        return ""
    try:
        compiler = query.get_compiler(using="default")
        sql, params = compiler.as_sql()
    except Exception as error:  # the compiler may refuse (e.g. an EmptyResultSet)
        return f"<sql unavailable: {type(error).__name__}>"
    return _clip(substitute_params(sql, params), 200)


# Statements with plain parameters, as displayed: a loop sends the same statement again and
# again. Only str, int and None values are keys (so 1, 1.0 and True, which are equal keys,
# never share an entry); the cache is emptied when full.
_SUBSTITUTED: dict[tuple[str, tuple[Any, ...]], str] = {}
_SUBSTITUTED_MAX = 512
_PLAIN_PARAMS = frozenset({str, int, type(None)})


def substitute_params(sql: str, params: Any) -> str:
    """Put rendered parameters into ``%s``/``?`` placeholders, for display only."""
    kind = type(params)
    if kind is not tuple and kind is not list:
        return _substitute(sql, params)
    for value in params:
        if type(value) not in _PLAIN_PARAMS:
            return _substitute(sql, params)
    key = (sql, tuple(params))
    found = _SUBSTITUTED.get(key)
    if found is None:
        if len(_SUBSTITUTED) >= _SUBSTITUTED_MAX:
            _SUBSTITUTED.clear()
        found = _SUBSTITUTED[key] = _substitute(sql, params)
    return found


def _substitute(sql: str, params: Any) -> str:
    rendered = [render_value(p, MAX_DEPTH) for p in (params or ())]
    placeholder = "%s" if "%s" in sql else "?"
    parts = sql.split(placeholder)
    if len(parts) - 1 != len(rendered):
        return sql
    out = [parts[0]]
    for value, tail in zip(rendered, parts[1:], strict=True):
        out.append(value)
        out.append(tail)
    return "".join(out)


def _render_model(value: Any, depth: int) -> str:
    state = object.__getattribute__(value, "__dict__")
    meta = type(value).__dict__.get("_meta") or getattr(type(value), "_meta", None)
    fields = []
    names = [f.attname for f in meta.concrete_fields] if meta is not None else list(state)
    pk_name = meta.pk.attname if meta is not None else "id"
    for name in names:
        if name == pk_name:
            continue
        if name in state:
            fields.append(f"{name}={render_value(state[name], MAX_DEPTH)}")
        else:
            fields.append(f"{name}=<deferred>")
        if len(fields) == 3:
            break
    pk = state.get(pk_name)
    ident = f"#{pk}" if pk is not None else "(unsaved)"
    return _clip(f"<{_model_name(value)} {ident} {' '.join(fields)}>".replace(" >", ">"), 160)


def _render_manager(value: Any, depth: int) -> str:
    model = object.__getattribute__(value, "__dict__").get("model")
    return f"<Manager for {getattr(model, '__name__', '?')}>"


def _render_lazy(value: Any, depth: int) -> str:
    wrapped = object.__getattribute__(value, "__dict__").get("_wrapped")
    if wrapped is None or type(wrapped).__name__ == "object":
        return "<lazy object: not evaluated>"
    return f"<lazy object: {render_value(wrapped, depth + 1)}>"


def _render_future(value: Any, depth: int) -> str:
    # repr(future) reprs its result; read the state through the public API only.
    kind = "Task" if "Task" in type(value).__name__ else "Future"
    name = ""
    if kind == "Task":
        get_name = getattr(value, "get_name", None)
        name = f" {get_name()}" if get_name else ""
    if value.cancelled():
        return f"<{kind}{name} cancelled>"
    if not value.done():
        return f"<{kind}{name} pending>"
    error = value.exception()
    if error is not None:
        return f"<{kind}{name} raised {render_exception(error)}>"
    return f"<{kind}{name} done: {render_value(value.result(), depth + 1)}>"


def render_exception(error: BaseException) -> str:
    """``TypeError: message`` with the message clipped, never via the exception's repr."""
    args = BaseException.__getattribute__(error, "args")
    message = args[0] if len(args) == 1 and type(args[0]) is str else ""
    if not message and args:
        message = ", ".join(render_value(a, MAX_DEPTH) for a in args)
    name = type(error).__qualname__
    return _clip(f"{name}: {message}" if message else name, 200)


_BY_CLASS_NAME: dict[tuple[str, str], _Renderer] = {
    ("django.db.models.query", "QuerySet"): _render_queryset,
    ("django.db.models.base", "Model"): _render_model,
    ("django.db.models.manager", "BaseManager"): _render_manager,
    ("django.utils.functional", "LazyObject"): _render_lazy,
    ("asyncio.futures", "Future"): _render_future,
    ("_asyncio", "Future"): _render_future,
    ("asyncio.tasks", "Task"): _render_future,
    ("_asyncio", "Task"): _render_future,
}


def render_value(value: Any, depth: int = 0) -> str:
    """A short, safe, single-line description of ``value``.

    Args:
        value: anything, including lazy Django objects and proxies.
        depth: nesting level; containers deeper than ``MAX_DEPTH`` are summarised.

    Returns:
        Text to show as-is (it is data, never markup).
    """
    kind = type(value)
    renderer = _EXACT.get(kind)
    try:
        if renderer is not None:
            return renderer(value, depth)
        for klass in kind.__mro__:
            named = _BY_CLASS_NAME.get((klass.__module__, klass.__qualname__))
            if named is not None:
                return named(value, depth)
            if klass is BaseException:
                return f"<{render_exception(value)}>"
            exact = _EXACT.get(klass)
            if exact is not None and klass is not object:
                return exact(value, depth)
    except Exception as error:  # a hostile __getattr__ or a half-built object
        return f"<{kind.__qualname__}: unrenderable ({type(error).__name__})>"
    return f"<{kind.__qualname__} object>"


class Rendered(str):
    """Text already rendered at capture time (shown as is, never re-rendered)."""

    __slots__ = ()


# Values whose rendering cannot change after capture: kept as they are, rendered
# when shown. Grows with the metaclasses met (a class renders as its name).
KEPT_AS_IS: set[type] = {
    int,
    float,
    bool,
    str,
    bytes,
    complex,
    type(None),
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.ModuleType,
}


def _kept_from_now_on(kind: type, kept: set[type] = KEPT_AS_IS) -> bool:
    """True (and remembered) if values of ``kind`` render the same forever: classes."""
    if issubclass(kind, type):
        kept.add(kind)
        return True
    return False


# A captured snapshot of locals: (names, values). The names tuple is shared by every
# snapshot with the same names, so a step keeps one new tuple (the values), not a pair each.
CapturedLocals = tuple[tuple[str, ...], tuple[Any, ...]]
NO_LOCALS: CapturedLocals = ((), ())
SHARED_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}


def shared_names(names: tuple[str, ...]) -> tuple[str, ...]:
    found = SHARED_NAMES.get(names)
    if found is None:
        if len(SHARED_NAMES) > 10_000:
            SHARED_NAMES.clear()
        found = SHARED_NAMES[names] = names
    return found


def keep_or_render(values: tuple[Any, ...], kept: set[type] = KEPT_AS_IS) -> tuple[Any, ...]:
    """``values`` with each one whose rendering may change later rendered now.

    Called once a value of a type not (yet) in ``kept`` is met: classes join ``kept``.
    """
    for value in values:
        if type(value) not in kept and not _kept_from_now_on(type(value)):
            return tuple(
                value if type(value) in kept else Rendered(render_value(value)) for value in values
            )
    return values


def capture_locals(
    frame_locals: Any,
    known_names: dict[tuple[str, ...], tuple[str, ...]] = SHARED_NAMES,
    kept: set[type] = KEPT_AS_IS,
) -> CapturedLocals:
    """Snapshot a frame's locals: immutable values by reference, the rest rendered now.

    Free mode runs this, inlined (see ``Tracer.step_hook``), on every await.
    """
    names = tuple(frame_locals.keys())
    names = known_names.get(names) or shared_names(names)
    values = tuple(frame_locals.values())
    for value in values:
        if type(value) not in kept:
            return names, keep_or_render(values)
    return names, values


def render_captured_locals(captured: CapturedLocals) -> tuple[tuple[str, str], ...]:
    """Render a :func:`capture_locals` snapshot, skipping compiler-made names like ``.0``."""
    names, values = captured
    return tuple(
        (name, value if type(value) is Rendered else render_value(value))
        for name, value in zip(names, values, strict=True)
        if not name.startswith((".", "__"))
    )


def render_locals(frame_locals: Any) -> tuple[tuple[str, str], ...]:
    """Render a frame's locals now (for values about to change or disappear)."""
    return render_captured_locals(capture_locals(frame_locals))


_CHAIN_LABELS = {"FutureIter": "Future", "_GatheringFuture": "gather"}


def render_chain(captured: tuple[Any, ...]) -> str:
    """Render an await chain captured as code objects (shown by qualified name) and labels."""
    return " → ".join(
        item.co_qualname if type(item) is types.CodeType else _CHAIN_LABELS.get(item, item)
        for item in captured
    )
