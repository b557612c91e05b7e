"""Choix imposés à `load_table` : ligne(s) d'en-tête, lignes à ignorer, types de colonnes.

Chaque deviné du chargeur peut être imposé ; un choix qui contredit le fichier (ligne
d'en-tête vide, colonne inconnue, type inconnu) lève une `DataError` en français.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kit._parse import normalize_label
from kit.errors import DataError
from kit.io._layout import is_blank_cell
from kit.io._types import code_width, convert_column

#: types acceptés dans `types=` (noms français, sans accents) → champ Table Schema
TYPE_NAMES = {"code": "string", "texte": "string", "nombre": "number", "entier": "integer",
              "date": "date", "booleen": "boolean"}
_ALIASES = {"text": "texte", "string": "texte", "number": "nombre", "numeric": "nombre",
            "integer": "entier", "int": "entier", "float": "nombre", "booléen": "booleen",
            "boolean": "booleen", "bool": "booleen", "datetime": "date"}


def header_rows(header_row: int | None, header: int | list[int] | None
                ) -> tuple[int | None, int]:
    """(première ligne d'en-tête, nombre de lignes) d'après `header_row` et `header`."""
    if header is None:
        return header_row, 1
    if header_row is not None and header != header_row:
        raise DataError(f"`header` ({header!r}) et `header_row` ({header_row!r}) se "
                        "contredisent : n'indiquez que `header`.")
    rows = [header] if isinstance(header, int) else list(header)
    if not rows or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 1
                           for r in rows):
        raise DataError(f"`header` doit être un numéro de ligne (à partir de 1, comme dans "
                        f"Excel) ou une liste de numéros, reçu {header!r}.")
    rows = sorted(rows)
    if rows != list(range(rows[0], rows[0] + len(rows))):
        raise DataError(f"Les lignes d'en-tête doivent se suivre (par exemple [4, 5]), reçu "
                        f"{header!r}.")
    return rows[0], len(rows)


def skip(raw: pd.DataFrame, skip_rows: int | list[int], where: str, path: Path
         ) -> tuple[pd.DataFrame, list[int]]:
    """Table brute sans les lignes à ignorer (un nombre : les N premières ; une liste : ces
    numéros de ligne)."""
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, (int, list, tuple, range)):
        raise DataError(f"`skip_rows` doit être un nombre de lignes ou une liste de numéros de "
                        f"ligne, reçu {skip_rows!r}.", path)
    if isinstance(skip_rows, int):
        rows = [int(i) for i in raw.index[:skip_rows]]
    else:
        rows = sorted(set(skip_rows))
        bad = [r for r in rows if not isinstance(r, int) or r not in raw.index]
        if bad:
            raise DataError(f"`skip_rows` cite des lignes absentes de {where} : {bad[:10]} "
                            f"(lignes 1 à {int(raw.index.max())}).", path)
    kept = raw.drop(index=rows)
    if kept.empty or not kept.notna().to_numpy().any():
        raise DataError(f"Après les lignes ignorées ({len(rows)}), il ne reste aucune donnée "
                        f"dans {where}.", path)
    return kept, rows


def check_header(block: pd.DataFrame, where: str, path: Path) -> None:
    """Une ligne d'en-tête imposée doit contenir au moins un libellé."""
    for number, row in block.iterrows():
        if all(is_blank_cell(v) for v in row.tolist()):
            raise DataError(f"La ligne d'en-tête imposée {number} de {where} est vide. "
                            "Indiquez la ligne des libellés de colonnes (numéro affiché par "
                            "Excel ou par un éditeur de texte).", path)


def forced_fields(types: dict[str, str] | None, names: list[str], fields: dict,
                  where: str, path: Path) -> dict[str, str]:
    """Nom de colonne (tel que lu) → type imposé ; colonnes désignées par leur nom lu ou par
    le nom du champ du schéma (casse, accents et espaces ignorés)."""
    if not types:
        return {}
    if not isinstance(types, dict):
        raise DataError(f"`types` doit être un dictionnaire colonne → type, reçu "
                        f"{type(types).__name__}.", path)
    by_norm: dict[str, str] = {}
    for name in names:
        by_norm.setdefault(normalize_label(name), name)
        if name in fields:
            by_norm.setdefault(normalize_label(fields[name]["name"]), name)
    out = {}
    for column, kind in types.items():
        key = _ALIASES.get(str(kind).strip().lower(), str(kind).strip().lower())
        if key not in TYPE_NAMES:
            raise DataError(f"Type inconnu {kind!r} pour la colonne « {column} » : types "
                            f"possibles {', '.join(TYPE_NAMES)}.", path)
        name = by_norm.get(normalize_label(column))
        if name is None:
            raise DataError(f"La colonne « {column} » citée dans `types` n'existe pas dans "
                            f"{where}. Colonnes lues : {', '.join(names[:30])}.", path)
        out[name] = key
    return out


def convert(col: pd.Series, name: str, kind: str) -> tuple[pd.Series, str, int]:
    """Convertit une colonne selon le type imposé ; (colonne, type obtenu, remplacements)."""
    if kind == "code":
        _, width = code_width(name)
        values, _, n = convert_column(col, name, {"name": name, "type": "string",
                                                  "constraints": {}})
        if width is None:  # pas de largeur d'après le libellé : celle des valeurs
            values, _, n = convert_column(col, "code", {"name": name, "type": "string"})
        return values, "code", n
    values, got, n = convert_column(col, name, {"name": name, "type": TYPE_NAMES[kind]})
    return values, got, n


def type_doubts(forced: dict[str, str], types: dict[str, str]) -> list[str]:
    """Doutes : un type imposé que les cellules n'ont pas permis d'appliquer."""
    expected = {"nombre": ("nombre", "entier"), "entier": ("entier",), "date": ("date",),
                "booleen": ("booleen",)}
    out = []
    for name, kind in forced.items():
        if kind in expected and types.get(name) not in expected[kind]:
            out.append(f"La colonne « {name} » devait être lue comme « {kind} » mais certaines "
                       "cellules ne s'y prêtent pas : elle a été gardée en texte.")
    return out
