"""poetry.lock markers rewritten for a PEP 751 ``pylock.toml``.

poetry.lock says "only with the root extra ``gpu``" as ``extra == "gpu"``, evaluated
against the set of extras asked for. A pylock.toml marker is evaluated in the
``lock_file`` context, where that is spelled ``"gpu" in extras`` and ``extra`` is not
defined at all; and an export that was asked for ``--extras gpu`` must install gpu's
packages by default, which no pylock.toml field can say, so there the comparison is
decided when exporting.

``packaging`` evaluates markers but offers no public way to rewrite one, so this
module (and only this one) walks :class:`~packaging.markers.Marker`'s parsed tree
(``_markers``: atoms ``(lhs, op, rhs)``, nested lists for parentheses, ``"and"`` and
``"or"`` between them, ``and`` binding tighter). The rewritten text is parsed again,
so a change of that tree's shape fails loudly rather than writing a wrong marker.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from packaging.markers import Marker
from packaging.utils import canonicalize_name

__all__ = ["Decided", "any_of", "decide_extras", "extras_as_lock_file", "group_term"]

#: A marker that was decided entirely: ``True`` (always) or ``False`` (never).
Decided = bool

_Atom = tuple[Any, Any, Any]
_AtomRewrite = Callable[[_Atom], "_Atom | bool"]


def decide_extras(marker: Marker, extras: Collection[str]) -> Marker | Decided:
    """*marker* with every ``extra`` comparison decided for exactly *extras*.

    >>> decide_extras(Marker('platform_machine == "aarch64" and extra == "gpu"'), {"gpu"})
    <Marker('platform_machine == "aarch64"')>
    >>> decide_extras(Marker('extra == "gpu" or extra == "cpu"'), set())
    False
    """
    chosen = {canonicalize_name(e) for e in extras}

    def decide(atom: _Atom) -> _Atom | bool:
        found = _extra_comparison(atom)
        if found is None:
            return atom
        name, equal = found
        return (name in chosen) is equal

    return _rewrite(marker, decide)


def extras_as_lock_file(marker: Marker) -> Marker | Decided:
    """*marker* with ``extra == "x"`` as ``"x" in extras`` (and ``!=`` as ``not in``).

    >>> extras_as_lock_file(Marker('sys_platform == "linux" and extra == "gpu"'))
    <Marker('sys_platform == "linux" and "gpu" in extras')>
    """

    def translate(atom: _Atom) -> _Atom:
        found = _extra_comparison(atom)
        if found is None:
            return atom
        name, equal = found
        membership = "in" if equal else "not in"
        (translated,) = Marker(f'"{name}" {membership} extras')._markers
        assert isinstance(translated, tuple)
        return translated

    return _rewrite(marker, translate)


def group_term(group: str, marker: Marker | Decided, main: str = "main") -> Marker | Decided:
    """Where a package of *group* installs: *marker*, and for any group but *main*
    (the project's own dependencies) also only when that dependency group is asked for.

    >>> group_term("dev", True)
    <Marker('"dev" in dependency_groups')>
    >>> group_term("main", Marker('os_name == "nt"'))
    <Marker('os_name == "nt"')>
    """
    if group == main or marker is False:
        return marker
    asked = Marker(f'"{group}" in dependency_groups')
    return asked if marker is True else asked & marker


def any_of(terms: Sequence[Marker | Decided]) -> Marker | Decided:
    """The ``or`` of *terms*; ``True`` when one of them always holds."""
    kept = [term for term in terms if term is not False]
    if not kept:
        return False
    if any(term is True for term in kept):
        return True
    markers = [term for term in kept if isinstance(term, Marker)]
    result = markers[0]
    for term in markers[1:]:
        result = result | term
    return result


def _extra_comparison(atom: _Atom) -> tuple[str, bool] | None:
    """``(extra name, is ==)`` when *atom* compares ``extra`` with a name."""
    lhs, op, rhs = atom
    variable, value = (lhs, rhs) if _is_variable(lhs) else (rhs, lhs)
    if not _is_variable(variable) or variable.value != "extra" or _is_variable(value):
        return None
    if op.value not in ("==", "!="):
        return None
    return canonicalize_name(value.value), op.value == "=="


def _is_variable(node: Any) -> bool:
    return type(node).__name__ == "Variable"


def _rewrite(marker: Marker, rewrite_atom: _AtomRewrite) -> Marker | Decided:
    result = _rewrite_list(marker._markers, rewrite_atom)
    if isinstance(result, bool):
        return result
    return Marker(_format(result, top=True))


def _rewrite_list(items: Sequence[Any], rewrite_atom: _AtomRewrite) -> list[Any] | bool:
    """The rewritten ``or`` of ``and`` groups, with decided operands dropped."""
    groups: list[list[Any]] = [[]]
    for item in items:
        if item == "or":
            groups.append([])
        elif item != "and":
            groups[-1].append(item)
    kept: list[list[Any]] = []
    for group in groups:
        operands: list[Any] = []
        for operand in group:
            result = (
                rewrite_atom(operand)
                if isinstance(operand, tuple)
                else _rewrite_list(operand, rewrite_atom)
            )
            if result is False:
                break
            if result is not True:
                operands.append(result)
        else:
            if not operands:
                return True  # an and-group that always holds: the whole or holds
            kept.append(operands)
    if not kept:
        return False
    flat: list[Any] = []
    for number, operands in enumerate(kept):
        if number:
            flat.append("or")
        for position, operand in enumerate(operands):
            if position:
                flat.append("and")
            flat.append(operand)
    return flat


def _format(items: Sequence[Any], *, top: bool = False) -> str:
    parts = []
    for item in items:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, tuple):
            parts.append(" ".join(node.serialize() for node in item))
        else:
            parts.append(_format(item))
    text = " ".join(parts)
    return text if top or len(items) == 1 else f"({text})"
