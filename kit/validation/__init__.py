"""Validation d'un tableau contre un schéma Table Schema, avec un rapport cellule par cellule.

Le format des schémas est celui de schema.data.gouv.fr et de Validata : les schémas du
Socle Commun des Données Locales (SCDL) s'utilisent tels quels. Chaque problème est situé
(fichier, feuille, cellule « D17 », ligne, colonne) et expliqué en français avec la correction à
faire. Tous les problèmes sont collectés : la validation ne s'arrête jamais au premier.
"""

from __future__ import annotations

import difflib
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit import _parse
from kit._format import fmt_value
from kit._written import nonconforming
from kit.errors import DataError, SchemaError
from kit.schemas import header_key as _key
from kit.schemas import load_schema, match_columns
from kit.validation._report import CODE_LABELS, PROBLEM_COLUMNS, Report
from kit.validation._types import CHECKED_TYPES, Typed, as_text, cell_text, read_typed

__all__ = ["CODE_LABELS", "PROBLEM_COLUMNS", "Report", "as_text", "cell_text", "match_columns",
           "read_typed",
           "validate"]

logger = logging.getLogger(__name__)

_MAX_SHOWN = 80  # longueur maximale d'une valeur citée dans un message


class _Collector:
    """Accumule les problèmes, cellule par cellule, sous forme de petits tableaux."""

    def __init__(self, df: pd.DataFrame) -> None:
        src = df.attrs.get("source") or {}
        self.letters: dict[str, str] = dict(src.get("columns") or {})
        self.header_row = src.get("header_row")
        self.frames: list[pd.DataFrame] = []
        self.row_errors = pd.Series(False, index=df.index)
        self.all_rows_invalid = False
        self.rejected = 0  # lignes du fichier écartées par le lecteur

    def where(self, col: str, rows: pd.Index) -> tuple[list[str | None], list[str]]:
        letter = self.letters.get(col)
        if letter:
            cells = [f"{letter}{r}" for r in rows]
            return cells, [f"La cellule {c} (colonne « {col} »)" for c in cells]
        return [None] * len(rows), [f"La ligne {r} (colonne « {col} »)" for r in rows]

    def cells(self, col: str, mask: pd.Series, shown: pd.Series, code: str, niveau: str,
              text: str | Any) -> None:
        """Un problème par cellule de `mask` ; `text(lieu, valeur)` ou texte fixe après le lieu."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = mask.index[mask]
        values = [_show(v) for v in shown[mask]]
        cells, wheres = self.where(col, rows)
        if callable(text):
            msgs = [text(w, v) for w, v in zip(wheres, values, strict=True)]
        else:
            msgs = [f"{w} contient « {_short(v)} » : {text}" if v else f"{w} {text}"
                    for w, v in zip(wheres, values, strict=True)]
        self.frames.append(pd.DataFrame({
            "cellule": cells, "ligne": list(rows), "colonne": col, "valeur": values,
            "code": code, "niveau": niveau, "message": msgs}))
        if niveau == "erreur":
            self.row_errors |= mask

    def column(self, col: str, code: str, niveau: str, message: str,
               cell: str | None = None) -> None:
        self.frames.append(pd.DataFrame({
            "cellule": [cell], "ligne": [None], "colonne": [col], "valeur": [None],
            "code": [code], "niveau": [niveau], "message": [message]}))

    def header_cell(self, col: str) -> str | None:
        letter = self.letters.get(col)
        return f"{letter}{self.header_row}" if letter and self.header_row else None


def _show(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%d/%m/%Y") if v == v.normalize() else v.strftime("%d/%m/%Y %H:%M")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _short(v: str) -> str:
    return v if len(v) <= _MAX_SHOWN else v[: _MAX_SHOWN - 1] + "…"


def validate(df: pd.DataFrame, schema: dict[str, Any] | str | Path) -> Report:
    """Vérifie un tableau contre un schéma Table Schema et rend un rapport détaillé.

    Parameters
    ----------
    df
        Tableau à vérifier, idéalement issu de `load_table` (ses `attrs["source"]` donnent le
        fichier, la feuille et la lettre de chaque colonne pour citer les cellules « D17 »).
        Sans `attrs`, les problèmes citent la ligne (étiquette d'index) et la colonne.
    schema
        Dictionnaire, chemin d'un fichier JSON Table Schema ou nom d'un schéma du kit.

    Returns
    -------
    Report
        `ok`, `errors`, `problems`, `summary`, `mapping` ; s'affiche dans un notebook.

    Raises
    ------
    SchemaError
        Schéma introuvable ou mal formé.

    Examples
    --------
    >>> df = pd.DataFrame({"montant": ["12,5", "abc"]}, index=[2, 3])
    >>> rapport = validate(df, {"fields": [{"name": "montant", "type": "number"}]})
    >>> rapport.ok, rapport.errors["code"].tolist()
    (False, ['type'])
    """
    schema = load_schema(schema)
    fields: list[dict[str, Any]] = schema["fields"]
    labels = {str(c): c for c in df.columns}
    if len(labels) != len(df.columns):
        names = [str(c) for c in df.columns]
        doubles = sorted({c for c in names if names.count(c) > 1})
        raise DataError(f"Le tableau a plusieurs colonnes nommées {doubles} : renommez-les "
                        "(par exemple « montant (2) ») avant de le valider.")
    src = df.attrs.get("source") or {}
    written = df.attrs.get("written") or {}
    out = _Collector(df)
    # pandas recopie en profondeur `attrs` à chaque opération : sans eux, les contrôles
    # colonne par colonne vont plusieurs fois plus vite (la provenance est déjà dans `src`).
    df = df.copy(deep=False)
    df.attrs = {}
    mapping = match_columns(list(df.columns), fields)
    _check_headers(df, fields, mapping, src, out)
    missing_values = [str(v).strip() for v in schema.get("missingValues", [""])]
    for f in fields:
        col = mapping[f["name"]]
        if col is not None:
            _check_field(df[labels[col]], col, f, missing_values, out)
    _check_primary_key(df, schema, mapping, missing_values, out)
    _check_rejected_lines(src, out)
    _check_written(written, fields, mapping, out)
    unchecked = [_describe_check(c) for c in schema.get("custom_checks", []) or []]
    return _build_report(df, src, out, mapping, unchecked, schema)


def _check_written(written: dict[str, Any], fields: list[dict[str, Any]],
                   mapping: dict[str, str | None], out: _Collector) -> None:
    """Le fichier tel qu'envoyé : valeurs converties par le chargeur (« 14/03/2023 »,
    « 27 000,00 ») dont l'écriture ne suit pas le `pattern` ou le `format` du schéma
    (`df.attrs["written"]`, rempli par `load_table`)."""
    for f in fields:
        col = mapping[f["name"]]
        if col is None or col not in written:
            continue
        found = nonconforming(written[col], f)
        if found is None:
            continue
        count, text, row = found
        letter = out.letters.get(col)
        cell = f"{letter}{row}" if letter else None
        where = f"la cellule {cell}" if cell else f"la ligne {row}"
        rule = f"le format « {f['format']} »" if f.get("format") and f.get("type") in (
            "date", "datetime") else f"le motif {(f.get('constraints') or {}).get('pattern')}"
        out.column(col, "forme-ecrite", "avertissement",
                   f"{count} cellule(s) de la colonne « {col} » sont écrites autrement que ne "
                   f"le demande {rule} (par exemple {where} : « {_short(text)} »). Le kit les "
                   "a comprises, mais le fichier tel qu'envoyé n'est pas conforme : réécrivez-"
                   "les avant de le publier.", cell)


def _check_headers(df: pd.DataFrame, fields: list[dict[str, Any]],
                   mapping: dict[str, str | None], src: dict[str, Any], out: _Collector) -> None:
    used = {c for c in mapping.values() if c is not None}
    extra = [str(c) for c in df.columns if str(c) not in used]
    original = src.get("header_mapping") or {}
    for f in fields:
        name, col = f["name"], mapping[f["name"]]
        if col is None:
            required = bool(f.get("constraints", {}).get("required"))
            hint = difflib.get_close_matches(_key(name), [_key(c) for c in extra], n=1, cutoff=0.7)
            near = next((c for c in extra if hint and _key(c) == hint[0]), None)
            tip = f" La colonne « {near} » est peut-être mal orthographiée." if near else ""
            if required:
                out.column(name, "colonne-manquante", "erreur",
                           f"La colonne obligatoire « {name} » est absente du fichier.{tip} "
                           f"Ajoutez une colonne intitulée « {name} » et remplissez-la.")
                out.all_rows_invalid = True
            else:
                out.column(name, "colonne-manquante", "avertissement",
                           f"La colonne facultative « {name} » est absente.{tip} Ajoutez-la "
                           f"(même vide) avec l'en-tête « {name} » pour suivre le schéma.")
            continue
        header = str(original.get(name, col))
        if header not in (name, f.get("title")):  # le titre exact est un choix délibéré
            cell = out.header_cell(col)
            at = f" (cellule {cell})" if cell else ""
            out.column(col, "nom-colonne", "avertissement",
                       f"L'en-tête « {header} »{at} a été reconnu comme le champ « {name} » du "
                       f"schéma. Renommez-le exactement « {name} » pour que le fichier soit "
                       "accepté tel quel par les validateurs officiels.", cell)
        kind = f.get("type", "string")
        if kind not in CHECKED_TYPES and kind != "any":
            out.column(col, "type-non-verifie", "avertissement",
                       f"Le champ « {name} » est de type « {kind} », que le kit ne vérifie pas : "
                       "ses valeurs sont contrôlées comme du texte. Vérifiez-les sur "
                       "validata.fr si besoin.", out.header_cell(col))
    names = [f["name"] for f in fields]
    by_key = {_key(c): c for c in used}
    for col in extra:
        cell = out.header_cell(col)
        at = f" (cellule {cell})" if cell else ""
        base = re.sub(r"\s*\(\d+\)$|\.\d+$", "", col)
        if base != col and _key(base) in by_key:
            out.column(col, "colonne-en-double", "erreur",
                       f"La colonne « {col} »{at} répète l'en-tête « {by_key[_key(base)]} » : "
                       "chaque champ ne doit apparaître qu'une fois. Supprimez la colonne en "
                       "double (après avoir vérifié laquelle contient les bonnes valeurs).", cell)
            continue
        near = difflib.get_close_matches(col, names, n=1, cutoff=0.6)
        tip = f" Vouliez-vous dire « {near[0]} » ?" if near else ""
        out.column(col, "colonne-en-trop", "avertissement",
                   f"La colonne « {col} »{at} n'est pas décrite dans le schéma : elle ne sera "
                   f"pas vérifiée.{tip} Renommez-la ou supprimez-la avant publication.", cell)


def _check_field(s: pd.Series, col: str, f: dict[str, Any], missing_values: list[str],
                 out: _Collector) -> None:
    cons = f.get("constraints", {}) or {}
    required = bool(cons.get("required"))
    text = as_text(s)
    typed: Typed = read_typed(s, f)
    blank = _parse.is_blank(s) | text.isin([m for m in missing_values if m])
    fix = "Corrigez la valeur." if required else \
        "Corrigez la valeur ou videz la cellule si elle est inconnue."
    shown = s.astype(object)
    bad_type = typed.invalid & ~blank
    out.cells(col, bad_type, shown, typed.code, "erreur", f"{typed.expected}. {fix}")
    if typed.standard:
        nonstd = typed.nonstandard & ~blank
        out.cells(col, nonstd, shown, "format-non-standard", "avertissement",
                  f"valeur comprise, mais le schéma demande {typed.standard}. Réécrivez-la "
                  "ainsi avant de publier le fichier.")
    missing = blank | typed.placeholder
    if required:
        out.cells(col, blank, shown, "requis", "erreur",
                  "est vide alors que ce champ est obligatoire. Renseignez une valeur.")
        out.cells(col, typed.placeholder & ~blank, shown, "requis", "erreur",
                  "valeur manquante codée, alors que ce champ est obligatoire. Renseignez la "
                  "valeur réelle.")
    ok = ~missing & ~typed.invalid & typed.values.notna()
    _check_constraints(typed.values, text, ok, col, f, cons, shown, out)


def _check_constraints(values: pd.Series, text: pd.Series, ok: pd.Series, col: str,
                       f: dict[str, Any], cons: dict[str, Any], shown: pd.Series,
                       out: _Collector) -> None:
    kind = f.get("type", "string")
    example = f" (ex. {f['example']})" if f.get("example") not in (None, "") else ""
    is_text = kind not in ("number", "integer", "date", "datetime", "year", "yearmonth",
                           "boolean")
    if "enum" in cons:
        allowed = _enum_values(cons["enum"], kind)
        bad = ok & ~(text if is_text or kind == "boolean" else values).isin(allowed)
        listed = ", ".join(f"« {_show(v)} »" for v in cons["enum"][:12])
        more = " …" if len(cons["enum"]) > 12 else ""
        out.cells(col, bad, shown, "enum", "erreur",
                  f"valeur non autorisée. Valeurs possibles : {listed}{more}. Choisissez l'une "
                  "d'elles (orthographe et accents compris).")
    if "pattern" in cons and is_text:
        try:
            re.compile(cons["pattern"])
        except re.error as exc:
            raise SchemaError(
                f"Le motif (« pattern ») du champ « {f['name']} » est une expression "
                f"régulière invalide : {exc}. Corrigez le schéma.") from exc
        bad = ok & ~text.where(ok).astype("str").str.fullmatch(cons["pattern"]).fillna(True)
        out.cells(col, bad, shown, "motif", "erreur",
                  f"la valeur n'a pas la forme attendue (motif {cons['pattern']}){example}. "
                  "Corrigez la valeur.")
    lengths = text.where(ok).str.len()
    for key, op, word in (("minLength", "lt", "au moins"), ("maxLength", "gt", "au plus")):
        if key in cons:
            bad = ok & getattr(lengths, op)(int(cons[key])).fillna(False)
            n = int(cons[key])
            out.cells(col, bad, shown, "contrainte", "erreur",
                      lambda w, v, n=n, word=word: f"{w} contient « {_short(v)} » ({len(v)} "
                      f"caractères) : {word} {n} caractères sont permis. Corrigez la valeur.")
    if not is_text and kind != "boolean":
        for key, op, word in (("minimum", "lt", "supérieure ou égale"),
                              ("maximum", "gt", "inférieure ou égale")):
            if key in cons:
                bound = _bound(cons[key], kind)
                bad = ok & getattr(values.where(ok), op)(bound).fillna(False).astype(bool)
                out.cells(col, bad, shown, "contrainte", "erreur",
                          f"la valeur doit être {word} à {fmt_value(bound)}. Corrigez la valeur.")
    if cons.get("unique"):
        keyed = (text if is_text else values).where(ok)
        dup = ok & keyed.duplicated(keep=False) & keyed.notna()
        out.cells(col, dup, shown, "unicite", "erreur",
                  "cette valeur apparaît aussi dans d'autres lignes alors que chaque valeur "
                  "doit être unique. Supprimez le doublon ou corrigez la valeur.")


def _enum_values(enum: list[Any], kind: str) -> list[Any]:
    if kind in ("number", "integer", "year"):
        return list(pd.to_numeric(pd.Series(enum), errors="coerce").dropna())
    if kind in ("date", "datetime"):
        return list(pd.to_datetime(pd.Series(enum), errors="coerce").dropna())
    if kind == "yearmonth":
        return [pd.Period(str(v), freq="M") for v in enum]
    return [_show(v) for v in enum]


def _bound(value: Any, kind: str) -> Any:
    if kind in ("date", "datetime"):
        return pd.Timestamp(value)
    if kind == "yearmonth":
        return pd.Period(str(value), freq="M")
    return float(value)


def _check_primary_key(df: pd.DataFrame, schema: dict[str, Any],
                       mapping: dict[str, str | None], missing_values: list[str],
                       out: _Collector) -> None:
    key = schema.get("primaryKey")
    if not key:
        return
    names = [key] if isinstance(key, str) else list(key)
    cols = [mapping.get(n) for n in names]
    if any(c is None for c in cols):
        return  # colonne absente : déjà signalée
    labels = {str(c): c for c in df.columns}
    keys = pd.DataFrame({c: as_text(df[labels[c]]) for c in cols})
    dup = keys.duplicated(keep=False) & keys.notna().all(axis=1)
    label = " + ".join(f"« {c} »" for c in cols)
    shown = keys.astype(str).agg(" / ".join, axis=1) if len(cols) > 1 else keys[cols[0]]
    out.cells(cols[0], dup, shown, "unicite", "erreur",
              lambda w, v: f"{w} : la clé {label} vaut « {_short(v)} », comme dans une autre "
              "ligne ; elle doit identifier chaque ligne de façon unique. Supprimez le doublon "
              "ou corrigez la clé.")


def _describe_check(check: Any) -> str:
    if not isinstance(check, dict):
        return str(check)
    params = check.get("params") or {}
    cols = ", ".join(str(v) for v in params.values() if isinstance(v, (str, int, float)))
    return f"{check.get('name', '?')}" + (f" ({cols})" if cols else "")


#: problèmes de lecture ligne à ligne : clé de `attrs["source"]` → (code, niveau, message)
_LINE_PROBLEMS = {
    "repaired_lines": (
        "ligne-reparee", "avertissement",
        ("La ligne {n} du fichier n'avait pas le nombre de champs de l'en-tête : le kit l'a "
         "recomposée (virgule décimale ou séparateur dans une valeur). Vérifiez ses valeurs "
         "dans le fichier avant de les utiliser.")),
    "unclosed_quotes": (
        "guillemet-non-ferme", "avertissement",
        ("La ligne {n} du fichier ouvre un guillemet qui n'est jamais fermé : il avalait les "
         "lignes suivantes. Le kit l'a relue sans ce guillemet ; vérifiez ses valeurs et "
         "corrigez le guillemet dans le fichier.")),
    "rejected_lines": (
        "ligne-rejetee", "erreur",
        ("La ligne {n} du fichier a été écartée à la lecture (nombre de champs différent de "
         "l'en-tête ou guillemet non fermé) : ses valeurs manquent au tableau. Corrigez cette "
         "ligne dans le fichier puis relancez.")),
}


def _check_rejected_lines(src: dict[str, Any], out: _Collector) -> None:
    """Lignes du fichier recomposées, relues ou écartées à la lecture. Une ligne écartée est un
    enregistrement perdu, donc une erreur — jamais un fichier « conforme à 100 % »."""
    for key, (code, level, message) in _LINE_PROBLEMS.items():
        numbers = sorted({int(n) for n in src.get(key) or []})
        if key == "rejected_lines":
            out.rejected = len(numbers)
        if numbers:
            out.frames.append(pd.DataFrame({
                "cellule": [None] * len(numbers), "ligne": numbers, "colonne": None,
                "valeur": None, "code": code, "niveau": level,
                "message": [message.format(n=n) for n in numbers]}))


def _build_report(df: pd.DataFrame, src: dict[str, Any], out: _Collector,
                  mapping: dict[str, str | None], unchecked: list[str],
                  schema: dict[str, Any]) -> Report:
    if out.frames:
        problems = pd.concat(out.frames, ignore_index=True)
    else:
        problems = pd.DataFrame({c: [] for c in PROBLEM_COLUMNS if c not in ("fichier",
                                                                            "feuille")})
    lignes = problems["ligne"].dropna()
    if lignes.map(lambda v: isinstance(v, (int, np.integer))).all():
        problems["ligne"] = problems["ligne"].astype("Int64")
    order = {name: i for i, name in enumerate(df.columns)}
    order.update({c: len(order) + i for i, c in enumerate(mapping)})
    problems["_pos"] = problems["colonne"].map(order)
    problems["_has_row"] = problems["ligne"].notna()
    problems = problems.sort_values(["_has_row", "ligne", "_pos"], kind="stable",
                                    na_position="first")
    problems = problems.drop(columns=["_pos", "_has_row"]).reset_index(drop=True)
    problems.insert(0, "feuille", src.get("sheet"))
    problems.insert(0, "fichier", src.get("file"))
    problems = problems[PROBLEM_COLUMNS]
    n_rows = len(df) + out.rejected  # une ligne écartée à la lecture reste une ligne du fichier
    invalid_rows = n_rows if out.all_rows_invalid else int(out.row_errors.sum()) + out.rejected
    counts = problems["code"].value_counts()
    summary = {
        "fichier": src.get("file"),
        "feuille": src.get("sheet"),
        "lignes": n_rows,
        "lignes_valides": n_rows - invalid_rows,
        "pct_lignes_valides": round(100 * (n_rows - invalid_rows) / n_rows, 1) if n_rows else None,
        "erreurs": int((problems["niveau"] == "erreur").sum()),
        "avertissements": int((problems["niveau"] == "avertissement").sum()),
        "par_code": {str(k): int(v) for k, v in counts.items()},
        "controles_non_verifies": unchecked,
    }
    title = schema.get("title") or schema.get("name")
    if title and schema.get("version"):
        title = f"{title} (version {schema['version']})"
    return Report(problems, summary, mapping, unchecked, title)
