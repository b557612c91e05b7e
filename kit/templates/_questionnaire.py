"""Questionnaire de maturité données : écriture du classeur et lecture de l'identification.

Usage interne : l'API publique est `kit.templates.write_questionnaire` et
`kit.templates.read_identification`. Le contenu (axes, questions, niveaux, actions) vient de
`kit.templates._maturity_content`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kit._parse import normalize_label, parse_dates
from kit.errors import DataError, SheetNotFoundError
from kit.io import read_cells
from kit.schemas import load_schema
from kit.templates import _maturity_content as content
from kit.templates import _sheet as ts

QUESTIONNAIRE_SHEET = "Questionnaire"
IDENTIFICATION_SHEET = "Identification"
#: Libellés de la feuille « Identification » (colonne « Champ ») et clé rendue par
#: `read_identification`.
IDENTIFICATION_FIELDS = [
    ("collectivite", "Collectivité"),
    ("service", "Service (ou « Groupe de travail »)"),
    ("campagne", "Date de la campagne"),
    ("fonction", "Fonction du répondant (pas de nom)"),
    ("profil", "Profil du répondant (élu, direction, agent)"),
]
#: Profils de répondant proposés dans la feuille « Identification ».
PROFILES = ("élu", "direction", "agent")
_QUESTION_WIDTHS = {"axe": 18, "code": 9, "question": 45, "niveau_1": 30, "niveau_2": 30,
                    "niveau_3": 30, "niveau_4": 30, "niveau_5": 30, "reponse": 11,
                    "niveau_cible": 11, "commentaire": 35, "action_amelioration": 45}


def _merge_answers(questions: list[dict[str, Any]],
                   answers: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    rows = [dict(q) for q in questions]
    if not answers:
        return rows
    by_code = {str(r.get("code")): r for r in rows}
    unknown = sorted(str(c) for c in answers if str(c) not in by_code)
    if unknown:
        raise DataError(
            f"Réponses pour des questions inconnues : {unknown}. Codes du questionnaire : "
            f"{', '.join(by_code)}.")
    for code, answer in answers.items():
        if isinstance(answer, (tuple, list)):
            if len(answer) not in (2, 3):
                raise DataError(
                    f"La réponse à « {code} » doit être un niveau, un couple (réponse, niveau "
                    f"visé) ou un triplet (réponse, niveau visé, commentaire) ; reçu "
                    f"{answer!r}.")
            row = by_code[str(code)]
            row["reponse"], row["niveau_cible"] = answer[0], answer[1]
            if len(answer) == 3:
                row["commentaire"] = answer[2]
        else:
            by_code[str(code)]["reponse"] = answer
    return rows


def write_questionnaire(path: str | Path, *, collectivite: str = "", service: str = "",
                        campagne: dt.date | None = None,
                        answers: Mapping[str, Any] | None = None,
                        questions: Sequence[Mapping[str, Any]] | None = None,
                        profil: str = "", respondent_profile: bool = True) -> Path:
    """Écrit le questionnaire de maturité données d'un service (ou du groupe de travail).

    Feuilles : « Questionnaire » (en premier : une ligne par question, cinq niveaux décrits,
    listes 1 à 5 sur la réponse et le niveau visé, action d'amélioration modifiable),
    « Identification » (Champ | Valeur : collectivité, service, date de la campagne, fonction
    du répondant) et « Mode d'emploi » (échelle, usage des réponses, version).

    Parameters
    ----------
    path
        Fichier .xlsx à écrire.
    collectivite, service
        Pré-remplissage de la feuille « Identification ».
    campagne
        Date de la campagne (écrite comme une vraie date) ; vide par défaut.
    answers
        Réponses par code de question : ``{"GOV-1": 2}``, ``{"GOV-1": (2, 4)}`` (réponse,
        niveau visé) ou ``{"GOV-1": (2, 4, "commentaire")}``. Écrites telles quelles, sans
        contrôle.
    questions
        Questions à utiliser à la place de celles du kit (`kit.templates._maturity_content.QUESTIONS`) :
        dictionnaires dont les clés sont les champs du schéma ``questionnaire_maturite``
        (``QUESTIONS_V1`` : les 24 questions de la version 1.0.0).
    profil
        Profil du répondant pré-rempli (« élu », « direction » ou « agent »), vide par défaut.
    respondent_profile
        False écrit la feuille « Identification » de la version 1.0.0, sans la ligne du
        profil (pour reproduire un questionnaire rempli sur l'ancien modèle).

    Returns
    -------
    Path
        Chemin du fichier écrit (mêmes octets à chaque exécution).

    Raises
    ------
    DataError
        Réponse pour un code de question inconnu, ou colonne hors schéma.

    Examples
    --------
    >>> import tempfile, kit
    >>> chemin = write_questionnaire(Path(tempfile.mkdtemp()) / "q.xlsx",
    ...                              service="Eau", answers={"GOV-1": (2, 4)})
    >>> df = kit.load_table(chemin, sheet="Questionnaire", schema="questionnaire_maturite")
    >>> len(df), int(df.loc[df["code"] == "GOV-1", "reponse"].iloc[0])
    (30, 2)
    """
    spec = load_schema("questionnaire_maturite")
    fields = spec["fields"]
    source = content.QUESTIONS if questions is None else questions
    rows = ts.rows_list(_merge_answers([dict(q) for q in source], answers), fields)
    wb = Workbook()
    ws = wb.active
    ws.title = QUESTIONNAIRE_SHEET
    ts.write_header(ws, fields, widths=_QUESTION_WIDTHS)
    ws.freeze_panes = "D2"  # en-tête, axe, code et question restent visibles
    ts.write_rows(ws, fields, rows)
    for r, row in enumerate(rows, start=2):
        texts = []
        for c, f in enumerate(fields, start=1):
            cell = ws.cell(row=r, column=c)
            cell.alignment = Alignment(wrap_text=True, vertical="top",
                                       horizontal="center" if f["type"] == "integer" else None)
            if cell.value is not None:
                texts.append((str(cell.value), _QUESTION_WIDTHS.get(f["name"], 20)))
        ws.row_dimensions[r].height = ts.estimate_height(texts)
    lists = ts.Lists(wb)
    last = 1 + len(rows) + 100
    for c, f in enumerate(fields, start=1):
        letter = ts.get_column_letter(c)
        if f["name"] in ("reponse", "niveau_cible"):
            dv = ts.list_validation(ts.header_text(f), [str(i) for i in range(1, 6)], lists,
                                    str(f.get("description") or ""))
        else:
            dv = ts.field_validation(f, lists)
        if dv is not None:
            dv.add(f"{letter}2:{letter}{last}")
            ws.data_validations.append(dv)
    _write_identification(wb.create_sheet(IDENTIFICATION_SHEET), collectivite, service,
                          campagne, profil, respondent_profile)
    name, version = str(spec["name"]), str(spec["version"])
    title = str(spec.get("title"))
    guide = wb.create_sheet(ts.GUIDE_SHEET)
    line = ts.version_line(name, version) + f" (questions : version {content.CONTENT_VERSION})"
    ts.write_guide(guide, spec, title, _questionnaire_sections(), line)
    ts.set_properties(wb, name, version, title, content.CONTENT_VERSION)
    return ts.save(wb, Path(path))


def _write_identification(ws: Any, collectivite: str, service: str,
                          campagne: dt.date | None, profil: str = "",
                          respondent_profile: bool = True) -> None:
    values = {"collectivite": collectivite, "service": service, "campagne": campagne,
              "fonction": "", "profil": profil}
    fields = [f for f in IDENTIFICATION_FIELDS if respondent_profile or f[0] != "profil"]
    for c, text in enumerate(("Champ", "Valeur"), start=1):
        cell = ws.cell(row=1, column=c, value=text)
        cell.font, cell.fill, cell.border = Font(bold=True), ts._HEADER_FILL, ts._HEADER_BORDER
    for r, (key, label) in enumerate(fields, start=2):
        ws.cell(row=r, column=1, value=label).font = Font(bold=True)
        ts.put(ws, r, 2, values[key] or None, {"type": "date" if key == "campagne" else
                                                "string"})
        if key == "campagne":
            ws.cell(row=r, column=2).number_format = ts.DATE_FORMAT
            dv = ts.field_validation({"name": "campagne", "title": label, "type": "date",
                                      "description": "Date de la campagne (jj/mm/aaaa)."},
                                     ts.Lists(ws.parent))
            dv.add(f"B{r}")
            ws.data_validations.append(dv)
        if key == "profil":
            dv = ts.list_validation(label, list(PROFILES), ts.Lists(ws.parent),
                                    "Élu, direction ou agent : les résultats sont comparés "
                                    "d'un profil à l'autre.")
            dv.add(f"B{r}")
            ws.data_validations.append(dv)
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["B"].width = 45
    ws.freeze_panes = "A2"


def _questionnaire_sections() -> list[tuple[str, list[str]]]:
    scale = [f"{n} — {label} : {text}" for n, label, text in content.SCALE]
    axes = [f"{code} — {label}" for code, label in content.AXES]
    return [
        ("À quoi sert ce questionnaire", [
            "Mesurer la maturité de la collectivité en matière de données, service par service "
            "(ou pour le groupe de travail), sur dix axes : ce qui existe aujourd'hui, ce qui "
            "est visé, et les premières actions à mener.",
            "Une même campagne est répondue par chaque service ; la répéter un ou deux ans plus "
            "tard permet de mesurer les progrès."]),
        ("Comment répondre", [
            "1. Feuille « Identification » : indiquez la collectivité, le service (ou « Groupe de "
            "travail »), la date de la campagne, la fonction du répondant et son profil (élu, "
            "direction ou agent : l'écart entre les regards des élus et des agents est en soi "
            "un constat). N'indiquez pas de nom : le questionnaire évalue une organisation, pas "
            "une personne.",
            "2. Feuille « Questionnaire » : pour chaque question, lisez les cinq niveaux décrits "
            "et choisissez dans « Réponse (1 à 5) » celui qui décrit le mieux la situation "
            "actuelle. Entre deux niveaux, retenez le plus bas. Si vous ne savez pas, laissez "
            "la cellule vide.",
            "3. Facultatif : « Niveau visé (1 à 5) » indique l'objectif d'ici la prochaine "
            "campagne ; « Commentaire » donne un exemple, une difficulté, un document.",
            "Ne modifiez ni les codes ni l'ordre des colonnes. Une heure suffit en général ; "
            "répondre à plusieurs (le service ou le groupe de travail) donne des réponses plus "
            "justes."]),
        ("L'échelle en cinq niveaux", scale),
        ("Les dix axes (trois questions chacun)", axes),
        ("Ce que deviennent les réponses", [
            "Le kit lit les questionnaires de tous les services, calcule le niveau moyen par axe "
            "et par service, compare la situation au niveau visé et présente le résultat au "
            "comité de pilotage (graphiques radar, tableau des écarts).",
            "Pour chaque réponse 1 ou 2, l'action de la colonne « Action d'amélioration "
            "suggérée » est proposée au plan d'actions. Le consultant ou l'administrateur des "
            "données peut la modifier dans ce fichier avant la campagne."]),
    ]


# --------------------------------------------------------------------------- lecture
def _cell_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parsed = parse_dates(pd.Series([value], dtype=object))
    if bool(parsed.invalid.iloc[0]) or pd.isna(parsed.values.iloc[0]):
        return None
    return parsed.values.iloc[0].date()


def read_identification(path: str | Path) -> dict[str, Any]:
    """Lit la feuille « Identification » d'un questionnaire de maturité.

    Parameters
    ----------
    path
        Questionnaire rempli (.xlsx ou .ods).

    Returns
    -------
    dict
        ``collectivite``, ``service``, ``fonction``, ``profil`` (textes, "" si vides ou absents,
        comme dans un questionnaire de la version 1.0.0) et ``campagne`` (`datetime.date`, ou
        None si la date n'est pas renseignée).

    Raises
    ------
    DataError
        Feuille « Identification » absente, ou date de campagne illisible (le message cite le
        fichier, la feuille et la cellule).

    Examples
    --------
    >>> import tempfile
    >>> chemin = write_questionnaire(Path(tempfile.mkdtemp()) / "q.xlsx", service="Eau",
    ...                              campagne=dt.date(2025, 3, 14))
    >>> ident = read_identification(chemin)
    >>> ident["service"], ident["campagne"]
    ('Eau', datetime.date(2025, 3, 14))
    """
    name = Path(path).name
    try:
        raw = read_cells(path, IDENTIFICATION_SHEET).cells
    except SheetNotFoundError as exc:
        raise DataError(
            f"Le fichier « {name} » n'a pas de feuille « {IDENTIFICATION_SHEET} » ({exc}). "
            "Utilisez le modèle questionnaire_maturite.xlsx (python -m kit.templates) et "
            "remplissez sa feuille « Identification » (collectivité, service, date de la "
            "campagne, fonction du répondant).", path) from None
    out: dict[str, Any] = {"collectivite": "", "service": "", "campagne": None, "fonction": "",
                           "profil": ""}
    for row, values in raw.iterrows():
        cells = list(values) + [None, None]
        key = _IDENTIFICATION_WORDS.get(_key(cells[0]).split("_")[0])
        if key is None:
            continue
        value = cells[1]
        blank = value is None or (isinstance(value, float) and pd.isna(value)) or \
            (isinstance(value, str) and not value.strip())
        if key != "campagne":
            out[key] = "" if blank else str(value).strip()
        elif not blank:
            day = _cell_date(value)
            if day is None:
                raise DataError(
                    f"La date de la campagne est illisible dans « {name} », feuille "
                    f"« {IDENTIFICATION_SHEET} », cellule B{row} : « {value} ». Saisissez une "
                    "date au format jj/mm/aaaa (par exemple 14/03/2025).", path)
            out["campagne"] = day
    return out


#: Premier mot (normalisé) du libellé de la colonne « Champ » → clé rendue.
_IDENTIFICATION_WORDS = {"collectivite": "collectivite", "service": "service",
                         "groupe": "service", "date": "campagne", "campagne": "campagne",
                         "fonction": "fonction", "profil": "profil"}


def _key(value: Any) -> str:
    return normalize_label(value) if isinstance(value, str) else ""
