"""Lecture de plusieurs fichiers d'un même modèle : chaque fichier est lu et validé, ses
problèmes sont collectés, et un fichier illisible n'empêche pas de traiter les autres.

Sert au diagnostic (inventaires des services, registre, questionnaires de maturité) : les
valeurs d'une cellule en erreur (hors échelle, hors liste, illisible) deviennent manquantes dans
le tableau d'analyse et la cellule est citée dans les problèmes, pour qu'aucun nombre faux ne
soit compté en silence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from kit.errors import DataError, KitError
from kit.io import load_table
from kit.schemas import load_schema
from kit.templates import read_template_version
from kit.validation import PROBLEM_COLUMNS, read_typed, validate

__all__ = ["PROBLEM_COLUMNS", "cell_of", "expand_sources", "load_many", "problem",
           "problems_frame", "require_rows", "row_problem"]

logger = logging.getLogger(__name__)

#: Extensions lues quand on donne un dossier.
EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")

#: Codes d'erreur qui rendent la valeur d'une cellule inutilisable pour l'analyse.
_UNUSABLE = {"type", "format", "contrainte", "enum", "motif"}


def expand_sources(sources: str | Path | Iterable[str | Path],
                   template: str | None = None) -> list[Path]:
    """Liste les fichiers à lire : un fichier, un dossier (ses tableurs, triés, sous-dossiers
    compris) ou une liste.

    Les fichiers temporaires d'Excel (« ~$… ») et les fichiers ou dossiers cachés sont ignorés.
    Avec `template`, un fichier trouvé dans un dossier et rempli sur un AUTRE modèle du kit
    (propriétés du classeur) est laissé de côté : un service peut ranger son inventaire et son
    questionnaire dans le même dossier, chaque lecture prend les siens.
    """
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in EXTENSIONS
                           and p.is_file() and not p.name.startswith("~$")
                           and not any(part.startswith(".")
                                       for part in p.relative_to(path).parts))
            paths += [p for p in found if template is None or _template_of(p) in (None, template)]
        else:
            paths.append(path)
    return paths


def _template_of(path: Path) -> str | None:
    """Modèle du kit sur lequel un fichier a été rempli (propriétés du classeur), ou None."""
    try:
        info = read_template_version(path)
    except KitError:
        return None
    return info.get("modele") if info else None


def problem(fichier: str | Path, message: str, *, code: str, niveau: str = "erreur",
            feuille: str | None = None, cellule: str | None = None, ligne: int | None = None,
            colonne: str | None = None, valeur: Any = None) -> dict[str, Any]:
    """Un problème au format des rapports du kit (mêmes colonnes que `Report.problems`)."""
    return {"fichier": Path(fichier).name if fichier else None, "feuille": feuille,
            "cellule": cellule, "ligne": ligne, "colonne": colonne, "valeur": valeur,
            "code": code, "niveau": niveau, "message": message}


def problems_frame(rows: Iterable[dict[str, Any]] | Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Assemble des problèmes (dictionnaires ou tableaux) en un seul tableau ordonné."""
    frames = [r if isinstance(r, pd.DataFrame) else pd.DataFrame([r]) for r in rows]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
    out = pd.concat([f.astype(object) for f in frames], ignore_index=True)
    out["ligne"] = pd.array([None if pd.isna(v) else int(v) for v in out["ligne"]],
                            dtype="Int64")
    return out[PROBLEM_COLUMNS]


def _typed(df: pd.DataFrame, schema: dict[str, Any], bad: pd.DataFrame) -> pd.DataFrame:
    """Colonnes du schéma typées ; cellules en erreur et colonnes absentes → manquantes."""
    df = df.copy(deep=False)
    df.attrs = {}  # évite la recopie profonde de la provenance à chaque opération pandas
    out = {}
    for field in schema["fields"]:
        name = field["name"]
        if name not in df.columns:
            out[name] = pd.Series(pd.NA, index=df.index, dtype=object)
            continue
        typed = read_typed(df[name], field)
        values = typed.values.astype(object).where(~(typed.invalid | typed.placeholder), None)
        wrong = bad.loc[bad["colonne"] == name, "ligne"].dropna().astype(int)
        values[values.index.isin(wrong)] = None
        kind = field.get("type", "string")
        if kind == "integer":
            values = pd.array(values, dtype="Int64")
        elif kind == "number":
            values = pd.to_numeric(values, errors="coerce").astype("Float64")
        elif kind == "boolean":
            values = pd.array(values, dtype="boolean")
        elif kind in ("date", "datetime"):
            values = pd.to_datetime(values, errors="coerce")
        else:
            values = values.astype("string")
        out[name] = pd.Series(values, index=df.index)
    return pd.DataFrame(out, index=df.index)


def _version_problem(path: Path, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Avertit quand un fichier a été rempli sur une autre version du modèle que l'actuelle."""

    try:
        info = read_template_version(path)
    except KitError:
        return []
    current = schema.get("version")
    if not info or info.get("modele") != schema.get("name") or info.get("version") == current:
        return []
    return [problem(path, (
        f"Le fichier a été rempli sur la version {info['version']} du modèle "
        f"« {info['modele']} » ; la version actuelle est la {current}. Les colonnes communes "
        "sont lues ; envoyez le modèle à jour (dossier templates/) au service pour la "
        "prochaine mise à jour."), code="ancienne-version", niveau="avertissement")]


def _duplicates(df: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    """Lignes identiques à une ligne précédente, toutes colonnes du fichier comprises."""
    full = df.copy(deep=False)
    full.attrs = {}
    key = pd.util.hash_pandas_object(full.astype(str), index=False)
    copies = key.duplicated(keep="first") & full.notna().any(axis=1)
    if not copies.any():
        return []
    first = dict(zip(key[~key.duplicated(keep="first")], key.index[~key.duplicated()]))
    return [{"fichier": name, "ligne": int(line), "premiere": int(first[key[line]])}
            for line in key.index[copies]]


def load_many(sources: str | Path | Iterable[str | Path], schema: str | dict[str, Any], *,
              sheet: str | None = None, options: dict[str, Any] | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lit et valide plusieurs fichiers d'un même modèle, sans s'arrêter au premier problème.

    Parameters
    ----------
    sources
        Fichier, dossier ou liste de fichiers.
    schema
        Schéma Table Schema du modèle (nom d'un schéma du kit, chemin ou dictionnaire).
    sheet
        Feuille à lire dans chaque classeur (par défaut la première non vide).
    options
        Choix imposés au lecteur (`kit.io.load_table` : ``header``, ``skip_rows``, ``types``,
        ``keep_totals``, ``sep``, ``encoding``), par exemple depuis une entrée de « fichiers ».

    Returns
    -------
    tuple[pandas.DataFrame, pandas.DataFrame]
        Le tableau réuni (colonnes du schéma typées, plus ``fichier``, ``feuille``, ``ligne``
        et ``_lettres`` dans ``attrs``) et le tableau des problèmes (fichier, feuille, cellule,
        ligne, colonne, valeur, code, niveau, message). Un fichier illisible donne une ligne
        « fichier-illisible » et les autres fichiers sont traités. ``attrs["doublons"]`` liste
        les lignes identiques (sur toutes les colonnes du fichier) à une ligne précédente.
    """
    schema = load_schema(schema)
    frames: list[pd.DataFrame] = []
    problems: list[pd.DataFrame | dict[str, Any]] = []
    letters: dict[str, dict[str, str]] = {}
    doubles: list[dict[str, Any]] = []
    paths = expand_sources(sources, template=schema.get("name"))
    for path in paths:
        try:
            df = load_table(path, sheet=sheet, schema=schema, **(options or {}))
        except KitError as exc:
            problems.append(problem(path, str(exc), code="fichier-illisible", feuille=sheet))
            logger.warning("%s", exc)
            continue
        report = validate(df, schema)
        found = report.problems.copy()
        found["fichier"] = path.name
        problems.append(found)
        problems += _version_problem(path, schema)
        bad = found[(found["niveau"] == "erreur") & found["code"].isin(_UNUSABLE)]
        typed = _typed(df, schema, bad)
        src = df.attrs.get("source", {})
        doubles += _duplicates(df, path.name)
        typed.insert(0, "ligne", typed.index.astype(int))
        typed.insert(0, "feuille", src.get("sheet"))
        typed.insert(0, "fichier", path.name)
        letters[path.name] = dict(src.get("columns") or {})
        frames.append(typed.reset_index(drop=True))
    if frames:
        table = pd.concat(frames, ignore_index=True)
    else:
        columns = ["fichier", "feuille", "ligne"] + [f["name"] for f in schema["fields"]]
        table = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    table.attrs["lettres"] = letters
    table.attrs["doublons"] = doubles
    table.attrs["fichiers"] = [p.name for p in paths]
    return table, problems_frame(problems)


def row_problem(table: pd.DataFrame, row: pd.Series, column: str, message: str, code: str,
                niveau: str = "erreur") -> dict[str, Any]:
    """Problème sur la cellule `column` d'une ligne du tableau réuni par `load_many` : fichier,
    feuille, cellule (« D17 »), ligne et valeur de la cellule."""
    value = row.get(column)
    return problem(row["fichier"], message, code=code, niveau=niveau, feuille=row["feuille"],
                   cellule=cell_of(table, row, column), ligne=int(row["ligne"]), colonne=column,
                   valeur=None if pd.isna(value) else str(value))


def cell_of(table: pd.DataFrame, row: pd.Series, column: str) -> str | None:
    """Référence Excel (« D17 ») de la cellule `column` de la ligne `row` du tableau réuni."""
    letter = table.attrs.get("lettres", {}).get(row["fichier"], {}).get(column)
    return f"{letter}{int(row['ligne'])}" if letter and pd.notna(row["ligne"]) else None


def require_rows(table: pd.DataFrame, problems: pd.DataFrame, sources: Any, what: str,
                 column: str, names: list[str] | None = None) -> None:
    """Lève `DataError` si aucune ligne de `table` (sortie de `load_many`) n'a de `column`.

    Un dossier qui ne contient que d'autres fichiers (mauvais dossier dans la configuration)
    donnerait sinon des résultats vides ou des erreurs incompréhensibles plus loin. Le message
    nomme chaque fichier lu (`names`, par défaut ceux de ``table.attrs["fichiers"]``) et son
    premier problème, erreur d'abord (feuille absente, colonne manquante…).
    """
    if column in table.columns and table[column].notna().any():
        return
    names = names if names is not None else table.attrs.get("fichiers") or []
    ordered = problems.sort_values("niveau", key=lambda s: s != "erreur", kind="stable")
    lines = []
    for name in names:
        mine = ordered.loc[ordered["fichier"] == name, "message"]
        lines.append(f"{name} : {next(iter(mine), 'aucune ligne remplie')}")
    found = ("\n- " + "\n- ".join(lines)) if lines else (
        f" aucun tableur ({', '.join(EXTENSIONS)}) n'y figure.")
    raise DataError(f"Aucune ligne exploitable dans {what} ({sources}) : colonne « {column} » "
                    f"jamais remplie. Fichiers lus :{found}\nVérifiez le chemin dans la "
                    "configuration et que ces fichiers suivent le modèle du dossier templates/.",
                    sources)
