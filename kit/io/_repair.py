"""Lignes abîmées d'un export texte : enregistrements entiers mis entre guillemets par un autre
outil, montants à virgule décimale et séparateurs dans un texte non protégés, qui décalent les
colonnes.

Une ligne n'est réparée que s'il n'y a qu'une façon de répartir ses champs dans les colonnes,
d'après ce que les lignes saines disent de chacune ; sinon elle est signalée
(`rejected_lines`). Un séparateur rendu à un texte libre est moins sûr qu'un montant recollé :
ces lignes sont aussi signalées, comme un doute (`glued_lines`).
"""

from __future__ import annotations

import csv
import functools
import re

import pandas as pd

from kit.io._layout import cell_kind

_LEFT_AMOUNT = re.compile(r"^-?\d{1,3}(?:[ \u00a0\u202f]\d{3})*$|^-?\d+$")
_RIGHT_DECIMALS = re.compile(r"^\d{1,2}(?:\s*€)?$")


def wrapped(frame: pd.DataFrame, sep: str, width: int) -> bool:
    """Une ligne du tableau serait redécoupée par la lecture ligne à ligne (`unwrap_records`) :
    sa première cellule contient le séparateur et tout un enregistrement."""
    first = frame.iloc[:, 0]
    if first.dtype != object and not isinstance(first.dtype, pd.StringDtype):
        return False
    inside = first.str.contains(sep, regex=False).fillna(False).to_numpy(dtype=bool)
    for values in frame[inside].itertuples(index=False):  # quelques lignes au plus
        row = ["" if pd.isna(v) else str(v) for v in values]
        while len(row) > 1 and not row[-1].strip():
            row.pop()
        if unwrapped(row, width, sep) is not None:
            return True
    return False


def unwrapped(row: list[str], width: int, sep: str) -> list[str] | None:
    """Ligne redécoupée si sa première cellule contient tout un enregistrement (au moins trois
    champs, tableau d'au moins quatre colonnes), sinon None."""
    if width < 4 or not row or len(row) >= width or sep not in row[0] or "\n" in row[0]:
        return None
    head = next(csv.reader([row[0]], delimiter=sep))
    fields = head + row[1:]
    while len(fields) > 1 and not fields[-1].strip():
        fields.pop()
    return fields if len(head) >= 3 and len(fields) >= width else None


def unwrap_records(rows: list[list[str]], lines: list[int], width: int, sep: str,
                    text: str, first: int) -> None:
    """Enregistrements mis entiers entre guillemets par un autre outil.

    « "a,b,""c"",d"; e,f » (ou « "a,b,c,d,e,f" ») se lit comme une ligne trop courte dont la
    première cellule contient tout l'enregistrement : celle-ci est redécoupée. Si la ligne
    obtenue a encore des champs en trop (montant « 39 000,00 » non protégé), elle est réparée
    ou signalée comme les autres.
    """
    physical = None
    for i, r in enumerate(rows[first:], start=first):
        if not r or len(r) >= width or sep not in r[0]:
            continue
        physical = physical or text.split("\n")
        if physical[lines[i] - 1].lstrip().startswith('"'):
            rows[i] = unwrapped(r, width, sep) or r


#: au-delà de tant de champs en trop, une ligne n'est pas réparée
_MAX_EXTRA = 8
_WORD = re.compile(r"[^\W\d_]+")
_DIGITS = re.compile(r"\d+")


def _shape(value: str) -> str:
    """Forme d'une valeur : suites de lettres → « a », suites de chiffres → « 9 »."""
    return _DIGITS.sub("9", _WORD.sub("a", value.strip()))


class _Column:
    """Ce que les lignes saines disent d'une colonne : nombres, dates, liste fermée de
    valeurs, forme fixe (codes, références) ou texte libre (seul à pouvoir contenir le
    séparateur). Sans lignes saines (`values` None) : rien n'est exigé."""

    def __init__(self, values: list[str] | None):
        self.kind, self.choices, self.shapes = "inconnu", None, None
        if values is None:
            return
        filled = [v.strip() for v in values if v.strip()]
        kinds = [cell_kind(v) for v in filled]
        self.kind = "texte"
        for kind in ("nombre", "date"):
            if filled and kinds.count(kind) >= 0.8 * len(filled):
                self.kind = kind
        if self.kind == "texte" and len(filled) >= 20:
            if len(set(filled)) <= max(5, len(filled) // 10):
                self.choices = set(filled)
            elif len(shapes := {_shape(v) for v in filled}) <= 5:
                self.shapes = shapes

    def fits(self, parts: list[str]) -> bool:
        """La colonne peut-elle recevoir ces champs (recollés par le séparateur) ?"""
        if len(parts) == 2 and self.kind in ("nombre", "inconnu") and _amount(*parts):
            return True
        if len(parts) > 1:
            return self.kind == "texte" and self.choices is None and self.shapes is None
        value = parts[0].strip()
        if not value:
            return True
        if self.kind in ("nombre", "date"):
            return cell_kind(value) == self.kind
        if self.choices is not None:
            return value in self.choices
        return self.shapes is None or _shape(value) in self.shapes


def _amount(left: str, right: str) -> bool:
    """« 100 000 » + « 00 » : un montant coupé par sa virgule décimale."""
    return bool(_LEFT_AMOUNT.match(left.strip()) and _RIGHT_DECIMALS.match(right.strip()))


def _segmentation(row: list[str], columns: list[_Column], sep: str
                  ) -> tuple[list[str] | None, int]:
    """La façon de répartir les champs de `row` dans les colonnes (chaque colonne reçoit des
    champs consécutifs qu'elle accepte, `_Column.fits`), si elle est unique parmi celles qui
    recollent le plus de montants coupés ; None sinon (impossible ou ambiguë). Avec le nombre
    de montants recollés (les autres champs en trop sont rendus à un texte libre)."""
    n, width = len(row), len(columns)

    @functools.cache
    def best(i: int, c: int) -> tuple[int, int, tuple]:
        """(montants recollés, nombre de façons plafonné à 2, une façon) pour répartir
        row[i:] dans columns[c:] ; (-1, 0, ()) si impossible."""
        if c == width:
            return (0, 1, ()) if i == n else (-1, 0, ())
        out = (-1, 0, ())
        for j in range(i + 1, n - (width - c - 1) + 1):
            parts = row[i:j]
            if not columns[c].fits(parts):
                continue
            pairs, ways, rest = best(j, c + 1)
            if ways == 0:
                continue
            if len(parts) == 2 and columns[c].kind in ("nombre", "inconnu") and _amount(*parts):
                pairs, value = pairs + 1, f"{parts[0].strip()},{parts[1].strip()}"
            else:
                value = sep.join(parts)
            if pairs > out[0]:
                out = (pairs, ways, (value, *rest))
            elif pairs == out[0]:
                out = (pairs, min(2, out[1] + ways), out[2])
        return out

    pairs, ways, values = best(0, 0)
    return (list(values) if ways == 1 else None), pairs


def repair_rows(rows: list[list[str]], lines: list[int], width: int,
                sep: str = ",") -> tuple[list, list, list]:
    """Répare les lignes qui ont des champs en trop : montants coupés par une virgule décimale
    non protégée (« 100 000,00 ») et séparateurs non protégés dans un texte libre.

    Chaque colonne est décrite par les lignes saines (`_Column`) ; une ligne est réparée s'il
    n'y a qu'une façon de répartir ses champs dans les colonnes (parmi celles qui recollent le
    plus de montants). Sinon elle est signalée (rejetée). Renvoie (lignes réparées, lignes
    rejetées, lignes réparées en rendant un séparateur à un texte libre : moins sûres, à
    montrer comme un doute).
    """
    pending = [i for i, r in enumerate(rows) if 0 < len(r) - width <= _MAX_EXTRA]
    fixed: dict[int, list[str]] = {}
    glued: list[int] = []  # séparateurs rendus à un texte libre
    # deux passes : sans assez de lignes saines, seuls des montants se recollent ; les lignes
    # ainsi réparées décrivent ensuite les colonnes pour les autres (textes libres)
    for _ in range(2):
        good = [r for r in rows if len(r) == width] + list(fixed.values())
        columns = [_Column([r[c] for r in good[:500]] if len(good) >= 5 else None)
                   for c in range(width)]
        for i in pending:
            if i in fixed:
                continue
            values, pairs = _segmentation(rows[i], columns, sep)
            if values is not None:
                fixed[i] = values
                if pairs < len(rows[i]) - width:
                    glued.append(lines[i])
        if len(good) >= 5 or not fixed:
            break
    for i, values in fixed.items():
        rows[i] = values
    repaired = sorted(lines[i] for i in fixed)
    rejected = sorted(lines[i] for i, r in enumerate(rows) if len(r) > width)
    return repaired, rejected, sorted(glued)
