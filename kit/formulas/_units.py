"""Unités des formules : produit de symboles avec exposants (t, t/hab, kWh/m²…).

Une unité vaut :
- `None` : inconnue (colonne sans unité déclarée) ; elle se combine avec tout, sans contrôle ;
- `FREE` : nombre écrit dans la formule (1000) ; il prend l'unité de l'autre terme dans une
  addition ou une comparaison, et ne compte pas dans un produit ;
- un tuple trié de (symbole, exposant), `()` pour « sans dimension » (un nombre de lignes).
"""

from __future__ import annotations

FREE = "<nombre>"
#: symbole provisoire : unité lue ligne à ligne dans la colonne `unite` de la table
ROW_UNIT = "\x00unite"
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

Unit = tuple[tuple[str, int], ...] | str | None


def atom(symbol: str) -> Unit:
    """Unité d'un seul symbole."""
    return ((symbol, 1),)


def multiply(a: Unit, b: Unit, sign: int = 1) -> Unit:
    """Unité de a × b (sign=1) ou de a / b (sign=-1)."""
    if a is None or b is None:
        return None
    powers: dict[str, int] = dict(() if a == FREE else a)
    for sym, exp in (() if b == FREE else b):
        powers[sym] = powers.get(sym, 0) + sign * exp
    result = tuple(sorted((s, e) for s, e in powers.items() if e))
    return FREE if a == FREE and b == FREE else result


def combine(a: Unit, b: Unit) -> tuple[Unit, bool]:
    """Unité de a + b (ou d'une comparaison) et False si les unités sont incompatibles."""
    if a == FREE:
        return b, True
    if b == FREE:
        return a, True
    if a is None or b is None:
        return None, True
    if any(s == ROW_UNIT for s, _ in a + b):
        return (a if a == b else None), True  # contrôlé plus tard, ligne à ligne
    return a, a == b


def substitute(unit: Unit, value: str | None) -> Unit:
    """Remplace le symbole provisoire ROW_UNIT par l'unité lue dans la table."""
    if unit is None or unit == FREE or not any(s == ROW_UNIT for s, _ in unit):
        return unit
    if value is None:
        return None
    exp = dict(unit)[ROW_UNIT]
    rest = tuple((s, e) for s, e in unit if s != ROW_UNIT)
    return multiply(rest, ((value, exp),))


def has_row_unit(unit: Unit) -> bool:
    return unit is not None and unit != FREE and any(s == ROW_UNIT for s, _ in unit)


def describe(unit: Unit) -> str | None:
    """Texte lisible : 't/hab', 'kWh/m²', 'sans unité' ; None si inconnue.

    >>> describe(multiply(atom("t"), atom("hab"), -1))
    't/hab'
    >>> describe(())
    'sans unité'
    """
    if unit is None:
        return None
    if unit == FREE or unit == ():
        return "sans unité"

    def part(items):
        out = []
        for sym, exp in items:
            sym = f"({sym})" if "/" in sym or " " in sym.strip() else sym
            out.append(sym if exp == 1 else sym + str(exp).translate(_SUPERSCRIPTS))
        return "·".join(out)

    num = [(s, e) for s, e in unit if e > 0]
    den = [(s, -e) for s, e in unit if e < 0]
    top = part(num) or "1"
    return top if not den else f"{top}/{part(den) if len(den) == 1 else '(' + part(den) + ')'}"
