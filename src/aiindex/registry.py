"""Method registries: every normaliser, aggregator, imputer, ... is registered by name.

YAML configs name methods; users can register their own with the same decorator::

    from aiindex.normalize import NORMALIZERS

    @NORMALIZERS.register("my_scale")
    def my_scale(X, *, factor: float = 2.0):
        return X * factor
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from .errors import MethodError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["Registry"]


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

    def check_params(self, name: str, params: Mapping[str, Any], *, where: str = "") -> None:
        """Raise :class:`MethodError` if ``params`` are not keyword parameters of the method.

        Positional (data) parameters are not counted; functions taking ``**kwargs`` accept anything.
        """
        sig = inspect.signature(self.get(name))
        unknown = self.unknown_params(name, params)
        if unknown:
            loc = f" at {where}" if where else ""
            kw = sorted(
                p.name for p in sig.parameters.values() if p.kind == p.KEYWORD_ONLY
            )
            raise MethodError(
                f"{self.kind} {name!r}{loc}: unknown parameter(s) {unknown}; accepted: {kw}"
            )

    def call(self, name: str, *args: Any, where: str = "", **params: Any) -> Any:
        """Check ``params`` and call the method."""
        self.check_params(name, params, where=where)
        return self.get(name)(*args, **params)
