"""Briques des modèles Excel (usage interne de `kit.templates`).

Feuille de données tirée d'un schéma Table Schema (en-tête, largeurs, notes, listes déroulantes et
contrôles de saisie), feuille « Mode d'emploi », feuille cachée « Listes », propriétés du
classeur (nom et version du modèle) et enregistrement octet pour octet reproductible.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kit._format import fmt_value
from kit.errors import DataError
from kit.io import save_workbook

#: Nombre de lignes vides couvertes par les listes déroulantes et contrôles, sous les données.
VALIDATED_ROWS = 1000
#: Nom de la feuille de guide et de la feuille cachée des listes.
GUIDE_SHEET = "Mode d'emploi"
LISTS_SHEET = "Listes"
#: Propriétés personnalisées du classeur (Fichier > Propriétés > Personnalisation).
PROP_TEMPLATE, PROP_VERSION, PROP_CONTENT = "kit_modele", "kit_version", "kit_version_contenu"
#: Ligne de la feuille « Mode d'emploi » qui porte « Modèle <nom>, version <x.y.z> ».
VERSION_ROW = 2
DATE_FORMAT = "DD/MM/YYYY"
_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
_INLINE_MAX = 10  # au-delà, les valeurs d'une liste vont sur la feuille « Listes »
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_SECTION_FONT = Font(bold=True, size=12, color="1F4E79")
_THIN = Side(style="thin", color="9BC2E6")
_HEADER_BORDER = Border(bottom=Side(style="medium", color="1F4E79"))
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")

_TYPES_FR = {
    "string": "texte", "integer": "nombre entier", "number": "nombre",
    "date": "date (jj/mm/aaaa)", "datetime": "date et heure", "boolean": "oui / non",
    "year": "année (aaaa)", "yearmonth": "mois (aaaa-mm)",
}


# --------------------------------------------------------------------------- champs
def header_text(field: dict[str, Any]) -> str:
    """Intitulé de colonne d'un champ : son titre, à défaut son nom."""
    return str(field.get("title") or field["name"])


def bool_labels(field: dict[str, Any]) -> tuple[str, str]:
    """Libellés de vrai / faux : premières « trueValues » / « falseValues », sinon oui / non."""
    trues, falses = field.get("trueValues") or ["oui"], field.get("falseValues") or ["non"]
    return str(trues[0]), str(falses[0])


def _bounds_text(cons: dict[str, Any]) -> str:
    lo, hi = cons.get("minimum"), cons.get("maximum")
    if lo is not None and hi is not None:
        return f"de {fmt_value(lo)} à {fmt_value(hi)}"
    if lo is not None:
        return f"supérieur ou égal à {fmt_value(lo)}"
    if hi is not None:
        return f"inférieur ou égal à {fmt_value(hi)}"
    return ""


def allowed_text(field: dict[str, Any]) -> str:
    """Valeurs permises d'un champ, en clair (liste, bornes, forme imposée, unicité)."""
    cons = field.get("constraints") or {}
    parts = []
    if "enum" in cons:
        parts.append(" ; ".join(str(v) for v in cons["enum"]))
    elif field.get("type") == "boolean":
        parts.append(" ou ".join(bool_labels(field)))
    bounds = _bounds_text(cons)
    if bounds:
        parts.append(bounds)
    if "pattern" in cons:
        parts.append(f"forme imposée (expression régulière) : {cons['pattern']}")
    if field.get("format") == "email":
        parts.append("adresse e-mail")
    if cons.get("unique"):
        parts.append("valeur unique (pas de doublon)")
    return " ; ".join(parts)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- cellules
def cell_value(value: Any, field: dict[str, Any] | None) -> tuple[Any, str | None]:
    """Valeur à écrire telle quelle (aucun contrôle) et son format de nombre éventuel."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, None
    if isinstance(value, float) and math.isnan(value):
        return None, None
    kind = (field or {}).get("type", "string")
    if isinstance(value, (bool, np.bool_)):
        return (bool_labels(field)[0 if value else 1], None) if kind == "boolean" \
            else (bool(value), None)
    if isinstance(value, np.integer):
        value = int(value)
    elif isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float) and kind == "integer" and value.is_integer():
        value = int(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if kind == "date" and value.time() == dt.time(0):
            return value.date(), DATE_FORMAT
        return value, _DATETIME_FORMAT
    if isinstance(value, dt.date):
        return value, DATE_FORMAT
    if isinstance(value, (int, float, str)):
        return value, None
    return str(value), None


def put(ws: Worksheet, row: int, col: int, value: Any, field: dict[str, Any] | None = None):
    """Écrit une valeur ; un texte commençant par « = » reste du texte (jamais une formule)."""
    value, fmt = cell_value(value, field)
    if value is None:
        return None
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if fmt:
        cell.number_format = fmt
    return cell


def estimate_height(texts: list[tuple[str, float]], line: float = 15.0) -> float:
    """Hauteur de ligne pour des textes renvoyés à la ligne : [(texte, largeur de colonne)]."""
    lines = 1
    for text, width in texts:
        per_line = max(int(width * 1.15), 1)
        n = sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))
        lines = max(lines, n)
    return line * lines


# --------------------------------------------------------------------------- listes et contrôles
class Lists:
    """Feuille cachée « Listes » créée à la demande : une colonne par liste de valeurs."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.ws: Worksheet | None = None
        self.refs: dict[tuple[str, ...], str] = {}

    def ref(self, title: str, values: list[str]) -> str:
        key = tuple(values)
        if key in self.refs:
            return self.refs[key]
        if self.ws is None:
            self.ws = self.wb.create_sheet(LISTS_SHEET)
            self.ws.sheet_state = "hidden"
        col = len(self.refs) + 1
        letter = get_column_letter(col)
        put(self.ws, 1, col, title).font = Font(bold=True)
        for i, v in enumerate(values, start=2):
            put(self.ws, i, col, v)
        self.ws.column_dimensions[letter].width = min(max(len(v) for v in values) + 2, 60)
        self.refs[key] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        return self.refs[key]


def _inline_ok(values: list[str]) -> bool:
    return (len(values) <= _INLINE_MAX and len(",".join(values)) <= 250
            and not any("," in v or '"' in v for v in values))


def list_validation(title: str, values: list[str], lists: Lists, prompt: str = ""
                    ) -> DataValidation:
    """Liste déroulante (valeurs en ligne si courtes, sinon sur la feuille « Listes »)."""
    formula = f'"{",".join(values)}"' if _inline_ok(values) else lists.ref(title, values)
    shown = " ; ".join(values)
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    _messages(dv, title, "Valeur non autorisée",
              f"Choisissez une valeur dans la liste déroulante : {shown}", prompt)
    return dv


def _messages(dv: DataValidation, title: str, error_title: str, error: str, prompt: str) -> None:
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.errorTitle = _clip(error_title, 32)
    dv.error = _clip(f"« {title} » : {error}", 255)
    if prompt:
        dv.showInputMessage = True
        dv.promptTitle = _clip(title, 32)
        dv.prompt = _clip(prompt, 255)


def _excel_date(value: Any) -> str:
    day = pd.Timestamp(value).date()
    return str((day - dt.date(1899, 12, 30)).days)


def field_validation(field: dict[str, Any], lists: Lists) -> DataValidation | None:
    """Contrôle de saisie d'un champ : liste, oui/non, entier, nombre ou date (None sinon)."""
    cons = field.get("constraints") or {}
    kind = field.get("type", "string")
    title = header_text(field)
    prompt = str(field.get("description") or "")
    if cons.get("required"):
        prompt = f"Obligatoire. {prompt}".strip()
    if "enum" in cons:
        values = [cell_value(v, None)[0] for v in cons["enum"]]
        return list_validation(title, [str(v) for v in values], lists, prompt)
    if kind == "boolean":
        return list_validation(title, list(bool_labels(field)), lists, prompt)
    lo, hi = cons.get("minimum"), cons.get("maximum")
    if kind in ("integer", "number", "year"):
        dv_type = "decimal" if kind == "number" else "whole"
        word = "un nombre" if kind == "number" else "un nombre entier"
        default_lo, default_hi = (-1e15, 1e15) if kind != "year" else (1000, 9999)
        lo_v = lo if lo is not None else default_lo
        hi_v = hi if hi is not None else default_hi
        dv = DataValidation(type=dv_type, operator="between", allow_blank=True,
                            formula1=_num_formula(lo_v), formula2=_num_formula(hi_v))
        bounds = _bounds_text(cons)
        _messages(dv, title, "Nombre attendu" if kind == "number" else "Nombre entier attendu",
                  f"saisissez {word}{' ' + bounds if bounds else ''}, sans unité ni espace.",
                  prompt)
        return dv
    if kind in ("date", "datetime"):
        lo_v = _excel_date(lo) if lo is not None else "1"  # 01/01/1900
        hi_v = _excel_date(hi) if hi is not None else _excel_date("2199-12-31")
        dv = DataValidation(type="date", operator="between", allow_blank=True,
                            formula1=lo_v, formula2=hi_v)
        _messages(dv, title, "Date attendue",
                  "saisissez une date au format jj/mm/aaaa (par exemple 31/12/2024).", prompt)
        return dv
    return None


def _num_formula(v: Any) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(v)


# --------------------------------------------------------------------------- feuille de données
def write_header(ws: Worksheet, fields: list[dict[str, Any]],
                 widths: dict[str, float] | None = None) -> None:
    """Ligne 1 : intitulés en gras, fond clair, note explicative ; volets figés sous l'en-tête."""
    for c, f in enumerate(fields, start=1):
        title = header_text(f)
        cell = put(ws, 1, c, title)  # intitulé venu du schéma : jamais une formule
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        note = _field_note(f)
        if note:
            comment = Comment(note, "kit-territoires")
            comment.width, comment.height = 320, 160
            cell.comment = comment
        letter = get_column_letter(c)
        width = (widths or {}).get(f["name"]) or _width(f, title)
        ws.column_dimensions[letter].width = width
        if f.get("type") in ("date", "datetime"):
            ws.column_dimensions[letter].number_format = DATE_FORMAT
    ws.freeze_panes = "A2"


def _width(field: dict[str, Any], title: str) -> float:
    """Largeur : le titre, la plus longue valeur permise, ou 30 pour un texte libre."""
    cons = field.get("constraints") or {}
    longest = max((len(str(v)) for v in cons.get("enum", [])), default=0)
    free_text = field.get("type", "string") == "string" and not longest and "pattern" not in cons
    return min(max(len(title) + 4, longest + 4, 30 if free_text else 12), 45)


def _field_note(field: dict[str, Any]) -> str:
    cons = field.get("constraints") or {}
    parts = [str(field.get("description") or "").strip()]
    if cons.get("required"):
        parts.append("Obligatoire.")
    allowed = allowed_text(field)
    if allowed:
        parts.append(f"Valeurs permises : {allowed}.")
    return _clip("\n".join(p for p in parts if p), 1000)


def add_validations(ws: Worksheet, fields: list[dict[str, Any]], first_row: int, last_row: int,
                    lists: Lists) -> None:
    """Applique le contrôle de chaque champ aux lignes ``first_row`` à ``last_row``."""
    for c, f in enumerate(fields, start=1):
        dv = field_validation(f, lists)
        if dv is None:
            continue
        letter = get_column_letter(c)
        dv.add(f"{letter}{first_row}:{letter}{last_row}")
        ws.data_validations.append(dv)


def rows_list(rows: Sequence[Mapping[str, Any]] | pd.DataFrame | None,
              fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lignes à écrire en dictionnaires ; refuse une clé qui n'est pas un champ du schéma."""
    if rows is None:
        return []
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else \
        [dict(r) for r in rows]
    names = {f["name"] for f in fields}
    unknown = sorted({str(k) for r in records for k in r if k not in names})
    if unknown:
        raise DataError(
            f"Les lignes à écrire contiennent des colonnes absentes du schéma : {unknown}. "
            f"Utilisez les noms des champs ({', '.join(sorted(names))}) ou ajoutez ces champs "
            "au schéma.")
    return records



def write_rows(ws: Worksheet, fields: list[dict[str, Any]], rows: list[dict[str, Any]],
               first_row: int = 2) -> None:
    """Écrit les lignes telles quelles (y compris des valeurs fausses : aucun contrôle ici)."""
    for r, row in enumerate(rows, start=first_row):
        for c, f in enumerate(fields, start=1):
            if f["name"] in row:
                put(ws, r, c, row[f["name"]], f)


# --------------------------------------------------------------------------- mode d'emploi
def write_guide(ws: Worksheet, schema: dict[str, Any], title: str,
                sections: list[tuple[str, list[str]]], version_line: str) -> None:
    """Feuille « Mode d'emploi » : titre, version (ligne 2), sections, description des colonnes."""
    widths = {"A": 34, "B": 13, "C": 18, "D": 48, "E": 70}
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = w
    total = sum(widths.values())
    put(ws, 1, 1, title).font = Font(bold=True, size=14, color="1F4E79")
    put(ws, VERSION_ROW, 1, version_line).font = Font(italic=True)
    row = VERSION_ROW + 2
    for heading, paragraphs in sections:
        put(ws, row, 1, heading).font = _SECTION_FONT
        row += 1
        for text in paragraphs:
            put(ws, row, 1, text).alignment = _TOP_WRAP
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
            ws.row_dimensions[row].height = estimate_height([(text, total)])
            row += 1
        row += 1
    ws.cell(row=row, column=1, value="Description des colonnes").font = _SECTION_FONT
    row += 1
    head = ["Colonne", "Obligatoire", "Type", "Valeurs permises", "Description"]
    for c, text in enumerate(head, start=1):
        cell = ws.cell(row=row, column=c, value=text)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _HEADER_BORDER
    for f in schema["fields"]:
        row += 1
        cons = f.get("constraints") or {}
        values = [header_text(f), "oui" if cons.get("required") else "non",
                  _TYPES_FR.get(f.get("type", "string"), str(f.get("type"))),
                  allowed_text(f), str(f.get("description") or "")]
        for c, v in enumerate(values, start=1):
            cell = put(ws, row, c, v)
            if cell is not None:
                cell.alignment = _TOP_WRAP
                cell.border = Border(bottom=_THIN)
        ws.row_dimensions[row].height = estimate_height(
            [(v, widths[get_column_letter(c)]) for c, v in enumerate(values, start=1)])
    row += 2
    footer = (f"{version_line} — généré par kit-territoires à partir du schéma "
              f"« {schema.get('name', '')} ». Ne modifiez ni les en-têtes ni l'ordre des "
              "feuilles ; pour faire évoluer le modèle, modifiez le schéma puis régénérez-le "
              "(« python -m kit.templates »).")
    put(ws, row, 1, footer).font = Font(italic=True, color="595959")


# --------------------------------------------------------------------------- classeur
def version_line(name: str, version: str) -> str:
    """Texte de la ligne 2 du « Mode d'emploi » : « Modèle inventaire_donnees, version 1.0.0 »."""
    return f"Modèle {name}, version {version}"


def set_properties(wb: Workbook, name: str, version: str, title: str,
                   content_version: str | None = None) -> None:
    """Nom et version du modèle dans les propriétés personnalisées du classeur."""
    wb.properties.title = title
    wb.custom_doc_props.append(StringProperty(name=PROP_TEMPLATE, value=name))
    wb.custom_doc_props.append(StringProperty(name=PROP_VERSION, value=version))
    if content_version:
        wb.custom_doc_props.append(StringProperty(name=PROP_CONTENT, value=content_version))


def save(wb: Workbook, path: Path) -> Path:
    """Enregistre avec des dates fixes : mêmes octets à chaque génération.

    Passe par `kit.io.save_workbook`, avec « kit-territoires » pour auteur (pas
    « données fictives » : un modèle vierge n'en contient pas).
    """
    if LISTS_SHEET in wb.sheetnames:  # la feuille cachée des listes toujours en dernier
        index = wb.sheetnames.index(LISTS_SHEET)
        wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames) - 1 - index)
    return save_workbook(wb, path, creator="kit-territoires")
