"""Langage de formules des indicateurs : erreurs, arbre syntaxique et réécriture en texte.

L'arbre est fait de dataclasses figées (comparables et hachables, la position dans le texte
n'entre pas dans la comparaison) : il sert de clé de cache au calcul. `to_text` le réécrit
avec le minimum de parenthèses ; relu par `kit.formulas._parser.parse`, il redonne le même
arbre. La grammaire est décrite dans `kit.formulas`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from kit.errors import KitError

MAX_LENGTH = 2000
MAX_NESTING = 50
MAX_DEPTH = 100

#: fonctions d'agrégation du langage (nom canonique, sans accent)
FUNCTIONS = ("somme", "moyenne", "mediane", "min", "max", "nombre", "nombre_distinct",
             "premier", "dernier")
KEYWORDS = ("et", "ou", "non", "où")
COMPARATORS = ("=", "!=", "<", "<=", ">", ">=")
_PLAIN_NAME = re.compile(r"[^\W\d]\w*")
#: « 1,000 » ou « 1.000 » : mille ou un ? refusé
AMBIGUOUS_NUMBER = re.compile(r"[1-9][0-9]{0,2}[.,][0-9]{3}")


class FormulaError(KitError, ValueError):
    """Formule d'indicateur incorrecte ou impossible à calculer (message en français).

    Attributs : `indicator` (nom de l'indicateur), `formula` (texte), `position` (indice du
    caractère fautif dans la formule, ou None).
    """

    def __init__(self, message: str, *, indicator: str = "", formula: str = "",
                 position: int | None = None) -> None:
        self.indicator = indicator
        self.formula = formula
        self.position = position
        super().__init__(message)


FormulaError.__module__ = "kit.formulas"  # nom public (défini ici : pas d'import circulaire)


def normalize_name(name: str) -> str:
    """Forme de comparaison d'un nom : sans accents, en minuscules, `_` entre les mots.

    >>> normalize_name("Volume produit (m³)")
    'volume_produit_m3'
    >>> normalize_name("Délai (jours)")
    'delai_jours'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def close_names(name: str, candidates, n: int = 3) -> list[str]:
    """Noms proches de `name` parmi `candidates` (comparaison sur la forme normalisée)."""
    by_norm: dict[str, str] = {}
    for c in candidates:
        by_norm.setdefault(normalize_name(str(c)), str(c))
    hits = difflib.get_close_matches(normalize_name(name), list(by_norm), n=n, cutoff=0.6)
    return [by_norm[h] for h in hits]


def show_position(text: str, pos: int | None) -> str:
    """Ligne de la formule contenant `pos`, avec un accent circonflexe sous le caractère."""
    if pos is None:
        return ""
    pos = max(0, min(pos, len(text)))
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start:end if end >= 0 else len(text)]
    col = pos - start
    if len(line) > 70:  # fenêtre autour de la position
        left = max(0, col - 35)
        shown = line[left:left + 70]
        prefix = "…" if left > 0 else ""
        suffix = "…" if left + 70 < len(line) else ""
        line, col = prefix + shown + suffix, col - left + len(prefix)
    line = "".join(" " if c in "\t\r\x0b\x0c" or not c.isprintable() else c for c in line)
    return f"\n    {line}\n    {' ' * col}^"


def error(problem: str, *, indicator: str = "", text: str = "", pos: int | None = None,
          hint: str = "") -> FormulaError:
    """`FormulaError` : indicateur, problème, position (accent circonflexe), conseil."""
    head = f"Indicateur « {indicator} » : " if indicator else "Formule : "
    message = head + problem.rstrip(".") + "."
    if text and pos is not None:
        message += show_position(text, pos)
    if hint:
        message += "\n" + hint.rstrip(".") + "."
    return FormulaError(message, indicator=indicator, formula=text, position=pos)


# ---------------------------------------------------------------------------------- arbre


@dataclass(frozen=True)
class Number:
    """Nombre écrit dans la formule (toujours positif : `-3` est `Unary('-', Number(3))`)."""

    value: float
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class String:
    """Texte entre guillemets, comparé à une colonne dans une condition."""

    value: str
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Name:
    """Nom : colonne (dans une agrégation), variable (hors agrégation) ou table (`nombre(t)`)."""

    name: str
    table: str | None = None
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Binary:
    """Opération `+ - * /` ; `pos` est celle de l'opérateur."""

    op: str
    left: Node
    right: Node
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Logical:
    """`et` / `ou` entre deux conditions."""

    op: str
    left: Node
    right: Node
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    operand: Node
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Call:
    """Agrégation : `function(arg où where)` ; `arg` et `where` peuvent manquer."""

    function: str
    arg: Node | None = None
    where: Node | None = None
    pos: int = field(default=0, compare=False, repr=False)


Node = Number | String | Name | Unary | Binary | Compare | Logical | Not | Call

PRECEDENCE = {"ou": 1, "et": 2, "non": 3, **dict.fromkeys(COMPARATORS, 4), "+": 5, "-": 5,
         "*": 6, "/": 6}


# ---------------------------------------------------------------------------- réécriture


def _fmt_number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = repr(value)
    if "e" not in text and AMBIGUOUS_NUMBER.fullmatch(text):
        text += "0"  # « 1.125 » serait refusé comme ambigu
    return text


def _fmt_name(name: str) -> str:
    if _PLAIN_NAME.fullmatch(name) and name.lower() not in KEYWORDS:
        return name
    return "`" + name.replace("`", "``") + "`"


def _prec(node: Node) -> int:
    if isinstance(node, (Binary, Compare, Logical)):
        return PRECEDENCE[node.op]
    if isinstance(node, Not):
        return 3
    if isinstance(node, Unary):
        return 7
    return 8


def to_text(node: Node) -> str:
    """Réécrit l'arbre en texte (parenthèses minimales) ; relu, il donne le même arbre."""
    def wrap(child: Node, need: int) -> str:
        s = to_text(child)
        return f"({s})" if _prec(child) < need else s

    if isinstance(node, Number):
        return _fmt_number(node.value) if node.value >= 0 else f"({_fmt_number(node.value)})"
    if isinstance(node, String):
        return '"' + node.value.replace('"', '""') + '"'
    if isinstance(node, Name):
        col = _fmt_name(node.name)
        return col if node.table is None else f"{_fmt_name(node.table)}.{col}"
    if isinstance(node, Unary):
        return "-" + wrap(node.operand, 7)
    if isinstance(node, Not):
        return "non " + wrap(node.operand, 3)
    if isinstance(node, (Binary, Compare, Logical)):
        prec = PRECEDENCE[node.op]
        right_need = prec + 1
        left_need = prec + 1 if prec == 4 else prec
        return f"{wrap(node.left, left_need)} {node.op} {wrap(node.right, right_need)}"
    assert isinstance(node, Call)
    inner = to_text(node.arg) if node.arg is not None else ""
    if node.where is not None:
        inner = (inner + " où " if inner else "où ") + to_text(node.where)
    return f"{node.function}({inner})"


def walk(node: Node | None):
    """Tous les nœuds de l'arbre (parcours en profondeur, sans récursion)."""
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        yield n
        for child in ("operand", "left", "right", "arg", "where"):
            c = getattr(n, child, None)
            if c is not None:
                stack.append(c)
