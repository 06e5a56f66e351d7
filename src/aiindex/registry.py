"""Method registries: every normaliser, aggregator, imputer, ... is registered by name.

YAML configs name methods; users can register their own with the same decorator::

    from aiindex.normalize import NORMALIZERS

    @NORMALIZERS.register("my_scale")
    def my_scale(X, *, factor: float = 2.0):
        return X * factor

**Parameter types are declared once, by the function's annotations.** :meth:`Registry.check_params`
validates every parameter against its annotation (pydantic ``TypeAdapter``): scalars strictly
(``bool`` takes only ``true``/``false``, ``int`` no ``2.5`` and no ``"3"``, ``float`` a finite
number, ``str`` text), containers leniently (a YAML list serves for a tuple). A wrong type is a
:class:`~aiindex.errors.MethodError` naming the parameter, the value and the expected type;
:meth:`Registry.type_errors` lists them for ``aiindex validate``. Parameters without an
annotation (or with one that cannot be resolved) accept anything. :func:`type_error` and
:func:`describe_type` apply the same rule to config options outside the registries.
"""

from __future__ import annotations

import collections.abc as cabc
import inspect
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, Generic, Literal, TypeVar, Union

from .errors import MethodError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["Registry", "describe_type", "type_error", "BOOL_HINT"]

#: what every boolean error adds (YAML 1.2 reads yes/no/on/off as text)
BOOL_HINT = "yes/no/on/off and quoted text are text in YAML 1.2, not booleans"
_SCALARS = (bool, int, float, str)
_CONTAINERS = (list, tuple, set, frozenset, dict, cabc.Sequence, cabc.Mapping,
               cabc.MutableSequence, cabc.MutableMapping, cabc.Iterable, cabc.Collection)
_NAMES = {bool: "true or false", int: "an integer", float: "a finite number", str: "a text",
          type(None): "null"}
_PLURAL = {bool: "booleans", int: "integers", float: "numbers", str: "texts"}
_adapters: dict[Any, Any] = {}


def _strict_leaves(h: Any) -> Any:
    """``h`` with every scalar (bool, int, float, str) strict and containers left lenient."""
    from pydantic import Strict

    if h in _SCALARS:
        return Annotated[h, Strict()]
    origin, args = typing.get_origin(h), typing.get_args(h)
    if origin is Annotated:
        return Annotated[(_strict_leaves(args[0]), *h.__metadata__)]
    if origin in (Union, types.UnionType):
        return Union[tuple(_strict_leaves(a) for a in args)]  # noqa: UP007 - built at runtime
    if origin in _CONTAINERS and args:
        try:
            return origin[tuple(a if a is Ellipsis else _strict_leaves(a) for a in args)]
        except TypeError:
            return h
    return h


def _adapter(hint: Any) -> Any:
    """A cached strict-scalar TypeAdapter for ``hint`` (``None`` if pydantic cannot build one)."""
    key = repr(hint)
    if key not in _adapters:
        from pydantic import ConfigDict, TypeAdapter

        try:
            _adapters[key] = TypeAdapter(_strict_leaves(hint), config=ConfigDict(
                arbitrary_types_allowed=True, allow_inf_nan=False))
        except Exception:  # noqa: BLE001 - an annotation pydantic cannot check: accept anything
            _adapters[key] = None
    return _adapters[key]


def _plain(v: Any) -> Any:
    """numpy scalars as Python scalars (``np.int64(3)`` is an integer), recursively."""
    if type(v).__module__ == "numpy" and hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
        return v.item()
    if isinstance(v, list | tuple):
        return type(v)(_plain(x) for x in v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def describe_type(hint: Any) -> str:
    """Words for a type annotation: ``int | None`` → ``"an integer or null"``."""
    if hint in _NAMES:
        return _NAMES[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is object:
        return "any value"
    if origin is Annotated:
        return describe_type(args[0])
    if origin in (Union, types.UnionType):
        words = list(dict.fromkeys(describe_type(a) for a in args
                                   if a is not type(None)))
        if type(None) in args:
            words.append("null")
        return " or ".join(words)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (dict, cabc.Mapping, cabc.MutableMapping):
        if len(args) == 2:
            return f"a mapping of {_plural(args[0])} to {_plural(args[1])}"
        return "a mapping"
    if origin in _CONTAINERS:
        if origin is tuple and args and args[-1] is not Ellipsis:
            return f"a list of {len(args)} values ({', '.join(describe_type(a) for a in args)})"
        return f"a list of {_plural(args[0])}" if args else "a list"
    return f"a {getattr(hint, '__name__', str(hint))}"


def _plural(hint: Any) -> str:
    return _PLURAL.get(hint) or describe_type(hint)


def _involves(hint: Any, kind: type) -> bool:
    return hint is kind or any(_involves(a, kind) for a in typing.get_args(hint))


def type_error(value: Any, hint: Any) -> str | None:
    """``None`` when ``value`` fits ``hint`` (strict scalars), else what was expected, in words.

    >>> type_error("no", bool)
    'true or false; yes/no/on/off and quoted text are text in YAML 1.2, not booleans'
    """
    from pydantic import ValidationError as PydValidationError

    ad = _adapter(hint)
    if ad is None:
        return None
    try:
        ad.validate_python(_plain(value))
    except PydValidationError:
        words = describe_type(hint)
        if _involves(hint, bool) and not isinstance(value, bool):
            words += f"; {BOOL_HINT}"
        return words
    return None


class Registry(Generic[F]):
    """A name → function table for one kind of method.

    Parameters
    ----------
    kind
        What the registry holds, used in error messages (e.g. ``"normalizer"``).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._funcs: dict[str, F] = {}
        self._meta: dict[str, dict[str, Any]] = {}
        self._aliases: dict[str, str] = {}
        self._types: dict[str, tuple[Any, dict[str, Any]]] = {}

    def register(self, name: str, *, aliases: tuple[str, ...] = (), **meta: Any) -> Callable[[F], F]:
        """Decorator registering ``func`` under ``name`` (and ``aliases``).

        Extra keyword arguments are stored as metadata (see :meth:`meta`).
        """

        def deco(func: F) -> F:
            self._funcs[name] = func
            self._meta[name] = dict(meta)
            for a in aliases:
                self._aliases[a] = name
            return func

        return deco

    def canonical(self, name: str) -> str:
        """Return the canonical name of ``name`` (resolving aliases)."""
        if name in self._funcs:
            return name
        if name in self._aliases:
            return self._aliases[name]
        raise MethodError(
            f"unknown {self.kind} {name!r}; registered {self.kind}s: {', '.join(self.names())}"
        )

    def get(self, name: str) -> F:
        """Return the function registered as ``name``; a clear error if there is none."""
        return self._funcs[self.canonical(name)]

    def meta(self, name: str) -> dict[str, Any]:
        """Return the metadata given at registration."""
        return self._meta[self.canonical(name)]

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._funcs)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._funcs or name in self._aliases)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._funcs)

    def unknown_params(self, name: str, params: Mapping[str, Any]) -> list[str]:
        """Names in ``params`` that are not keyword parameters of the method (sorted)."""
        sig = inspect.signature(self.get(name))
        if any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
            return []
        accepted = {
            p.name
            for p in sig.parameters.values()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        }
        return sorted(set(params) - accepted)

    def accepted_params(self, name: str) -> list[str]:
        """Keyword parameters of the method (sorted)."""
        sig = inspect.signature(self.get(name))
        return sorted(p.name for p in sig.parameters.values() if p.kind == p.KEYWORD_ONLY)

    def param_types(self, name: str) -> dict[str, Any]:
        """Keyword parameter → its annotation (``Any`` when absent or unresolvable).

        Derived once per registered function from its annotations (``from __future__ import
        annotations`` strings are resolved in the function's module).
        """
        func = self.get(name)
        canon = self.canonical(name)
        cached = self._types.get(canon)
        if cached is not None and cached[0] is func:
            return cached[1]
        sig = inspect.signature(func)
        glb = getattr(func, "__globals__", {})
        out: dict[str, Any] = {}
        for p in sig.parameters.values():
            if p.kind not in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
                continue
            ann = p.annotation
            if isinstance(ann, str):
                try:
                    ann = eval(ann, dict(glb), {"typing": typing})  # noqa: S307 - annotation text
                except Exception:  # noqa: BLE001 - e.g. a name imported under TYPE_CHECKING
                    ann = Any
            out[p.name] = Any if ann is inspect.Parameter.empty else ann
        self._types[canon] = (func, out)
        return out

    def type_errors(self, name: str, params: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
        """``(parameter, value, expected)`` for every parameter whose value has the wrong type."""
        types_ = self.param_types(name)
        out = []
        for k, v in params.items():
            if k in types_:
                expected = type_error(v, types_[k])
                if expected is not None:
                    out.append((k, v, expected))
        return out

    def check_params(self, name: str, params: Mapping[str, Any], *, where: str = "") -> None:
        """Raise :class:`MethodError` if ``params`` are not keyword parameters of the method, or
        have the wrong type (see the module docstring).

        Positional (data) parameters are not counted; functions taking ``**kwargs`` accept anything.
        """
        sig = inspect.signature(self.get(name))
        unknown = self.unknown_params(name, params)
        loc = f" at {where}" if where else ""
        if unknown:
            kw = sorted(
                p.name for p in sig.parameters.values() if p.kind == p.KEYWORD_ONLY
            )
            raise MethodError(
                f"{self.kind} {name!r}{loc}: unknown parameter(s) {unknown}; accepted: {kw}"
            )
        bad = self.type_errors(name, params)
        if bad:
            raise MethodError(f"{self.kind} {name!r}{loc}: " + "; ".join(
                f"parameter {k} must be {e}, got {v!r}" for k, v, e in bad))

    def call(self, name: str, *args: Any, where: str = "", **params: Any) -> Any:
        """Check ``params`` and call the method."""
        self.check_params(name, params, where=where)
        return self.get(name)(*args, **params)
