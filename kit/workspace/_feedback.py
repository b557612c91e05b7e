"""Classeurs de retour d'une collecte : la copie du fichier d'un service, cellules à corriger
surlignées et commentées, précédée d'une feuille « À corriger » en mots simples.

Le fichier reçu n'est jamais modifié : il est relu (openpyxl pour un .xlsx ou un .xlsm, le
tableau lu par `kit.io.load_table` pour un .xls, un .ods ou un .csv) et la copie est écrite
ailleurs (``retours/<service>/<nom>_a_corriger.xlsx``). Tout texte écrit dans une cellule
passe par `safe_text` : une valeur qui commence par ``=``, ``+``, ``-``, ``@``, une
tabulation ou un retour chariot reçoit une apostrophe en tête, pour qu'aucun tableur ne
l'exécute comme une formule.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from kit.errors import KitError
from kit.io import check_zip, load_table, read_cells, save_workbook
from kit.validation import CODE_LABELS

__all__ = ["FEEDBACK_AUTHOR", "FEEDBACK_FILLS", "FEEDBACK_SHEET", "safe_text",
           "write_feedback", "write_suivi"]

#: Nom de la première feuille du classeur de retour.
FEEDBACK_SHEET = "À corriger"
#: Auteur des commentaires écrits par le kit (les notes du modèle ont « kit-territoires »).
FEEDBACK_AUTHOR = "kit-territoires (à corriger)"
#: Couleur de fond des cellules en cause, par niveau du problème.
FEEDBACK_FILLS = {"erreur": "FFC7CE", "avertissement": "FFEB9C"}

logger = logging.getLogger(__name__)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_COLUMNS = ["N°", "Feuille", "Cellule", "Colonne", "Valeur reçue", "Problème", "À faire"]
_WIDTHS = [5, 16, 9, 28, 24, 60, 60]
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WHERE = re.compile(r"^La (?:cellule|ligne) \S+ \(colonne « [^»]*» ?\)\s*(?::\s*)?")
_TYPES = {"integer": "un nombre entier, sans unité ni espace (ex. 12)",
          "number": "un nombre, sans unité (ex. 12,5)",
          "date": "une date au format jj/mm/aaaa (ex. 14/03/2025)",
          "datetime": "une date et une heure (ex. 14/03/2025 08:30)",
          "boolean": "« oui » ou « non »", "year": "une année sur quatre chiffres (ex. 2025)"}
_NON_DATA_SHEETS = (FEEDBACK_SHEET, "Mode d'emploi", "Listes")
#: Libellé court de chaque code de problème (« Colonne absente »…).
_LABELS = {code: text[:1].upper() + text[1:] for code, text in {
    **CODE_LABELS, "fichier-illisible": "feuille ou fichier illisible",
    "ancienne-version": "fichier rempli sur une ancienne version du modèle",
    "identification": "feuille « Identification » incomplète ou illisible",
    "document-vide": "document renvoyé sans rien de rempli"}.items()}


def safe_text(value: Any) -> Any:
    """Neutralise un texte qu'un tableur lirait comme une formule (apostrophe en tête).

    Examples
    --------
    >>> safe_text("=HYPERLINK(\\"http://x\\")"), safe_text("-3 t"), safe_text("Eau"), safe_text(4)
    ('\\'=HYPERLINK("http://x")', "'-3 t", 'Eau', 4)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


_NOUNS = {"integer": "un nombre entier", "number": "un nombre", "date": "une date",
          "datetime": "une date et une heure", "boolean": "« oui » ou « non »",
          "year": "une année"}


def _problem_text(code: Any, value: str, kind: str, message: str) -> str:
    """Ce qui ne va pas, en mots simples ; à défaut, le message de la validation sans lieu."""
    shown = f"« {value} »" if value else "La valeur"
    if code == "requis":
        return ("Cellule vide, alors que la colonne est obligatoire" if not value else
                f"{shown} tient lieu de valeur manquante, alors que la colonne est obligatoire")
    if code == "enum":
        return f"{shown} ne fait pas partie des valeurs de la liste"
    if code == "type" and kind in _NOUNS:
        return f"{shown} n'est pas {_NOUNS[kind]}"
    if code == "contrainte" and kind in ("integer", "number", "date", "year"):
        return f"{shown} est hors des limites permises"
    if code == "motif":
        return f"{shown} n'a pas la forme attendue"
    if code == "unicite":
        return f"{shown} figure aussi dans une autre ligne"
    if code == "colonne-manquante":
        return "Colonne absente du fichier"
    text = _WHERE.sub("", message).strip()
    return text[:1].upper() + text[1:] if text else message


def _plain(row: Mapping[str, Any], field: Mapping[str, Any] | None) -> tuple[str, str]:
    """(problème, à faire) en mots simples pour une ligne du tableau des problèmes."""
    code = row.get("code")
    cons = (field or {}).get("constraints") or {}
    kind = (field or {}).get("type", "string")
    value = "" if _blank(row.get("valeur")) else str(row.get("valeur"))
    problem = _problem_text(code, value[:80], kind, str(row.get("message") or ""))
    if code == "requis":
        todo = "Remplissez cette cellule : elle est obligatoire."
    elif code == "enum" and cons.get("enum"):
        todo = ("Choisissez une valeur de la liste déroulante : "
                + ", ".join(f"« {v} »" for v in cons["enum"]) + ".")
    elif code in ("type", "format") and kind in _TYPES:
        todo = f"Saisissez {_TYPES[kind]}, ou videz la cellule si la valeur est inconnue."
    elif code == "contrainte" and (cons.get("minimum") is not None
                                   or cons.get("maximum") is not None):
        low, high = cons.get("minimum"), cons.get("maximum")
        todo = ("Saisissez une valeur " + (f"comprise entre {low} et {high}" if None not in (
            low, high) else f"au moins égale à {low}" if low is not None else
            f"au plus égale à {high}") + ".")
    elif code == "motif":
        todo = "Écrivez la valeur sous la forme attendue" + (
            f" (ex. {field['example']})." if field and field.get("example") else
            " : voir la note de l'en-tête de la colonne.")
    elif code == "unicite":
        todo = "Chaque valeur ne doit figurer qu'une fois : corrigez ou supprimez le doublon."
    elif code == "document-vide":
        todo = "Remplissez le document puis renvoyez-le."
    elif code == "colonne-manquante" and field:
        title = field.get("title") or field["name"]
        todo = (f"Ajoutez la colonne « {title} » comme dans le modèle" + (
            ", puis remplissez-la." if cons.get("required") else " (elle peut rester vide)."))
    else:
        text = _WHERE.sub("", str(row.get("message") or "")).strip()
        todo = text[:1].upper() + text[1:]
        problem = _LABELS.get(str(code), problem)
    return problem, todo


def _column_label(row: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]]) -> str:
    name = row.get("colonne")
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    field = fields.get(str(name))
    title = str(field.get("title") or name) if field else str(name)
    cell = row.get("cellule")
    letter = re.match(r"[A-Z]+", str(cell)).group(0) if isinstance(cell, str) and cell else ""
    return f"{letter} — {title}" if letter else title


def _blank(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _write_list(ws: Worksheet, problems: pd.DataFrame, fields: Mapping[str, Mapping[str, Any]],
                source: str) -> None:
    """Feuille « À corriger » : une ligne par correction, dans l'ordre du fichier."""
    n_err = int((problems["niveau"] == "erreur").sum())
    ws.cell(row=1, column=1, value=safe_text(
        f"Corrections à apporter au fichier « {source} »")).font = Font(bold=True, size=12)
    ws.cell(row=2, column=1, value=safe_text(
        f"{n_err} correction(s) obligatoire(s) (cellules en rouge) et "
        f"{len(problems) - n_err} point(s) à vérifier (cellules en jaune). Chaque cellule en "
        "cause porte un commentaire. Corrigez le fichier d'origine (ou ce classeur), puis "
        "renvoyez-le."))
    for c, (label, width) in enumerate(zip(_COLUMNS, _WIDTHS, strict=True), start=1):
        cell = ws.cell(row=4, column=c, value=label)
        cell.font, cell.fill = Font(bold=True), _HEAD_FILL
        ws.column_dimensions[cell.column_letter].width = width
    for r, (_, row) in enumerate(problems.iterrows(), start=5):
        field = fields.get(str(row["colonne"])) if not _blank(row["colonne"]) else None
        problem, todo = _plain(row, field)
        values = [r - 4, row["feuille"], row["cellule"], _column_label(row, fields),
                  row["valeur"], problem, todo]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=None if _blank(value) else safe_text(
                value if isinstance(value, int) else str(value)))
            cell.alignment = _WRAP
    ws.freeze_panes = "A5"


def _mark(ws: Worksheet, cell_ref: str, rows: pd.DataFrame,
          fields: Mapping[str, Mapping[str, Any]]) -> None:
    """Surligne une cellule et y met un commentaire qui réunit tous ses problèmes."""
    cell = ws[cell_ref]
    level = "erreur" if (rows["niveau"] == "erreur").any() else "avertissement"
    cell.fill = PatternFill("solid", fgColor=FEEDBACK_FILLS[level])
    lines = []
    for _, r in rows.iterrows():
        problem, todo = _plain(r, fields.get(str(r["colonne"])))
        lead = "À corriger : " if r["niveau"] == "erreur" else "À vérifier : "
        problem = problem[:1].lower() + problem[1:] if problem[1:2].islower() else problem
        lines.append(f"{lead}{problem}. {todo}")
    old = cell.comment
    if old is not None and old.author != FEEDBACK_AUTHOR:
        lines.append(f"(Note du modèle : {old.text})")
    comment = Comment("\n".join(lines), FEEDBACK_AUTHOR)
    comment.width, comment.height = 360, 60 + 45 * len(lines)
    cell.comment = comment


def _clear_previous(wb: Workbook) -> None:
    """Un classeur de retour renvoyé par le service : ôte les anciennes marques du kit."""
    if FEEDBACK_SHEET in wb.sheetnames:
        del wb[FEEDBACK_SHEET]
    fills = {f"00{c}" for c in FEEDBACK_FILLS.values()} | set(FEEDBACK_FILLS.values())
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == FEEDBACK_AUTHOR:
                    cell.comment = None
                    if cell.fill is not None and cell.fill.fgColor.rgb in fills:
                        cell.fill = PatternFill()


def _copy_xlsx(path: Path) -> Workbook | None:
    """Le classeur du service relu par openpyxl, ou None s'il ne se laisse pas relire."""
    try:
        check_zip(path.read_bytes(), path)
        wb = load_workbook(path, keep_links=False, rich_text=True)
    except (KitError, OSError, KeyError, ValueError, TypeError, IndexError,
            zipfile.BadZipFile, InvalidFileException):
        return None
    if FEEDBACK_SHEET in wb.sheetnames:
        _clear_previous(wb)
    return wb


def _put(ws: Worksheet, row: int, col: int, value: Any) -> None:
    if _blank(value):
        return
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, (bool, np.bool_)):
        value = "oui" if value else "non"
    elif isinstance(value, np.generic):
        value = value.item()
    cell = ws.cell(row=row, column=col, value=safe_text(value if isinstance(
        value, (int, float, dt.date, dt.datetime, bool)) else str(value)))
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, dt.date):
        cell.number_format = "DD/MM/YYYY"


def _rebuild(path: Path, sheets: list[str | None]) -> Workbook:
    """Nouveau classeur avec le tableau lu (xls, ods, csv), cellules à leur place d'origine."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        title = sheet or (re.sub(r"[\\/*?:\[\]]", "_", path.stem)[:31] or "Données")
        if title in wb.sheetnames:
            continue
        ws = wb.create_sheet(title)
        if sheet == "Identification":  # feuille Champ | Valeur du questionnaire, telle quelle
            cells = read_cells(path, sheet).cells
            for r, values in cells.iterrows():
                for c, value in enumerate(values, start=1):
                    _put(ws, int(r), c, value)
            continue
        df = load_table(path, sheet=sheet)  # sans schéma : valeurs comme saisies
        src = df.attrs.get("source") or {}
        letters, header = src.get("columns") or {}, src.get("header_row")
        for name, letter in letters.items():
            col = ws[f"{letter}1"].column
            if header:
                _put(ws, int(header), col, name)  # sans schéma : l'en-tête tel qu'écrit
            for r, value in df[name].items():
                _put(ws, int(r), col, value)
    return wb


def write_feedback(path: str | Path, problems: pd.DataFrame, dest: str | Path, *,
                   fields: list[dict[str, Any]] | None = None,
                   data_sheet: str | None = None) -> Path:
    """Écrit le classeur de retour d'un fichier reçu : sa copie annotée et la liste des
    corrections.

    Parameters
    ----------
    path
        Fichier reçu du service (.xlsx, .xlsm, .xls, .ods ou .csv) ; jamais modifié.
    problems
        Problèmes de ce fichier (colonnes `kit.validation.PROBLEM_COLUMNS`) ; les cellules
        citées (« F3 ») sont surlignées (rouge : erreur, jaune : avertissement) et commentées.
    dest
        Classeur .xlsx à écrire (dossiers créés au besoin).
    fields
        Champs du schéma du modèle : titres des colonnes et valeurs permises dans la liste.
    data_sheet
        Feuille de données lue (par défaut celle citée par les problèmes).

    Returns
    -------
    Path
        Le classeur écrit : feuille « À corriger » en premier, puis les feuilles du fichier.
    """
    path, dest = Path(path), Path(dest)
    by_name = {f["name"]: f for f in fields or []}
    # corrections obligatoires d'abord, puis points à vérifier, chacun dans l'ordre du fichier
    problems = problems.sort_values("niveau", key=lambda n: n != "erreur", kind="stable")
    problems = problems.reset_index(drop=True)
    sheets = [s for s in problems["feuille"].dropna().unique().tolist()]
    wanted = [data_sheet] + [s for s in sheets if s != data_sheet]
    wb = _copy_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else None
    try:
        try:
            return _save(_annotate(wb or _rebuild(path, wanted), problems, by_name, data_sheet,
                                   path.name), dest)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            if wb is None:
                raise
            # openpyxl a relu le classeur mais ne sait pas le réécrire : tableau lu à la place
            logger.warning("Copie de %s impossible (%s) : retour écrit depuis le tableau lu.",
                           path.name, exc)
            return _save(_annotate(_rebuild(path, wanted), problems, by_name, data_sheet,
                                   path.name), dest)
    except OSError as exc:
        raise KitError(f"Impossible d'écrire le classeur de retour {dest} ({exc}). S'il est "
                       "ouvert dans un tableur, fermez-le puis relancez la collecte.",
                       dest) from exc


def _save(wb: Workbook, dest: Path) -> Path:
    return save_workbook(wb, dest, deterministic=False, creator="kit-territoires")


def _annotate(wb: Workbook, problems: pd.DataFrame, by_name: Mapping[str, Mapping[str, Any]],
              data_sheet: str | None, source: str) -> Workbook:
    """Surligne et commente les cellules en cause, puis ajoute la feuille « À corriger »."""
    default = data_sheet or next((s for s in wb.sheetnames if s not in _NON_DATA_SHEETS),
                                 wb.sheetnames[0])
    located = problems[problems["cellule"].notna()]
    for (sheet, ref), rows in located.groupby([located["feuille"].fillna(default),
                                               located["cellule"]], sort=False):
        name = sheet if sheet in wb.sheetnames else default
        if name in wb.sheetnames and re.fullmatch(r"[A-Z]{1,3}[1-9]\d{0,6}", str(ref)):
            _mark(wb[name], str(ref), rows, by_name)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    _write_list(wb.create_sheet(FEEDBACK_SHEET, 0), problems, by_name, source)
    wb.active = 0
    wb.worksheets[0].sheet_view.tabSelected = True
    return wb


def write_suivi(folder: Path, suivi: pd.DataFrame, problems: pd.DataFrame,
                name: str = "suivi_collecte") -> tuple[Path, Path]:
    """Écrit le tableau de suivi d'une collecte : ``<name>.xlsx`` (feuilles « Suivi » et
    « Problèmes ») et ``<name>.csv`` (suivi seul, point-virgule, UTF-8 avec BOM, dates
    jj/mm/aaaa hh:mm). Les textes sont neutralisés par `safe_text`."""
    xlsx, csv = folder / f"{name}.xlsx", folder / f"{name}.csv"
    wb = Workbook()
    for ws, frame in ((wb.active, suivi), (wb.create_sheet(), problems)):
        ws.title = "Suivi" if frame is suivi else "Problèmes"
        for c, label in enumerate(frame.columns, start=1):
            cell = ws.cell(row=1, column=c, value=label)
            cell.font, cell.fill = Font(bold=True), _HEAD_FILL
            ws.column_dimensions[cell.column_letter].width = 45 if label in (
                "remarque", "message") else 18
        for r, values in enumerate(frame.itertuples(index=False), start=2):
            for c, value in enumerate(values, start=1):
                if value is None or (not isinstance(value, str) and pd.isna(value)):
                    continue
                if isinstance(value, pd.Timestamp):
                    ws.cell(row=r, column=c, value=value.to_pydatetime()).number_format = \
                        "DD/MM/YYYY HH:MM"
                else:
                    ws.cell(row=r, column=c, value=safe_text(
                        value if isinstance(value, int) else str(value)))
        ws.freeze_panes = "A2"
    text = suivi.astype(object).where(suivi.notna(), "")
    text["date du fichier"] = [d.strftime("%d/%m/%Y %H:%M") if isinstance(d, pd.Timestamp)
                               else "" for d in suivi["date du fichier"]]
    text = text.map(safe_text)
    try:
        save_workbook(wb, xlsx, deterministic=False, creator="kit-territoires")
        text.to_csv(csv, sep=";", index=False, encoding="utf-8-sig")
    except OSError as exc:
        raise KitError(f"Impossible d'écrire le tableau de suivi dans {folder} ({exc}). "
                       f"Si {name}.xlsx est ouvert dans un tableur, fermez-le puis "
                       "relancez la collecte.", folder) from exc
    return xlsx, csv
