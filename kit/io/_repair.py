"""Lignes abîmées d'un export texte : enregistrements entiers mis entre guillemets par un autre
outil, montants à virgule décimale non protégés qui décalent les colonnes.

Une ligne n'est réparée que lorsque la réparation est certaine ; sinon elle est signalée
(`rejected_lines`).
"""

from __future__ import annotations

import csv
import itertools
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


def repair_rows(rows: list[list[str]], lines: list[int], width: int) -> tuple[list, list]:
    """Recolle les montants coupés par une virgule décimale non protégée.

    Une ligne de `width + k` champs est réparée si une seule façon de recoller `k` paires
    « entier » + « décimales » place chaque montant recollé dans une colonne numérique et
    laisse les autres colonnes numériques numériques. Sinon la ligne est signalée (rejetée).
    """
    good = [r for r in rows if len(r) == width]
    numeric = []
    for c in range(width):
        kinds = [cell_kind(r[c]) for r in good[:500]]
        filled = [k for k in kinds if k != "vide"]
        numeric.append(bool(filled) and sum(k == "nombre" for k in filled) >= 0.8 * len(filled))
    if len(good) < 5:  # trop peu de lignes saines pour connaître le type des colonnes
        numeric = [None] * width
    repaired, rejected = [], []
    for i, r in enumerate(rows):
        k = len(r) - width
        if k <= 0:
            continue
        if k > 4 or not any(n is not False for n in numeric):
            rejected.append(lines[i])
            continue
        fits = []
        for merge in itertools.combinations(range(len(r) - 1), k):
            if any(b - a < 2 for a, b in zip(merge, merge[1:])):
                continue
            fixed, j = [], 0
            ok = True
            while j < len(r):
                if j in merge:
                    left, right = r[j].strip(), r[j + 1].strip()
                    if not (_LEFT_AMOUNT.match(left) and _RIGHT_DECIMALS.match(right)
                            and len(fixed) < width and numeric[len(fixed)] is not False):
                        ok = False
                        break
                    fixed.append(f"{left},{right}")
                    j += 2
                else:
                    fixed.append(r[j])
                    j += 1
            if ok and len(fixed) == width and all(
                    not numeric[c] or cell_kind(v) in ("nombre", "vide")
                    for c, v in enumerate(fixed)):
                fits.append(fixed)
        if len(fits) == 1:
            rows[i] = fits[0]
            repaired.append(lines[i])
        else:
            rejected.append(lines[i])
    return repaired, rejected
