"""Écriture des nombres, pourcentages et dates à la française, partagée par les calculs
(synthèses rédigées) et les graphiques."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["fmt_date", "fmt_number", "fmt_percent", "fmt_period", "fmt_value", "short_axis",
           "wrap_label"]

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


#: Séparateur des milliers (espace fine insécable, comme les règles `fr_FR` de Babel / CLDR).
THOUSANDS = "\u202f"


def fmt_number(value: Any, decimals: int = 1, signed: bool = False) -> str:
    """Nombre à la française : espace fine insécable pour les milliers, virgule décimale.

    Seul endroit du kit qui écrit un nombre pour un lecteur (rapports, messages, modèles).
    ``signed=True`` écrit le signe d'une évolution : « +4,2 », « −0,3 » (vrai signe moins).

    Examples
    --------
    >>> fmt_number(1234.5), fmt_number(1234.5, 0), fmt_number(None)
    ('1\u202f234,5', '1\u202f234', '—')
    >>> fmt_number(4.25, 1, signed=True), fmt_number(-0.04, 1, signed=True)
    ('+4,2', '−0,0')
    """
    if value is None or pd.isna(value):
        return "—"
    text = f"{float(value):,.{decimals}f}".replace(",", THOUSANDS).replace(".", ",")
    if signed:
        text = text.replace("-", "−") if text.startswith("-") else "+" + text
    return text


def fmt_value(value: Any) -> str:
    """Valeur citée telle quelle (bornes d'un schéma, valeur d'une cellule) : un nombre garde
    toutes ses décimales, écrit à la française ; une date est écrite jj/mm/aaaa ; le reste en
    texte.

    Examples
    --------
    >>> fmt_value(15000), fmt_value(2.0), fmt_value(1234.25), fmt_value("A")
    ('15\u202f000', '2', '1\u202f234,25', 'A')
    >>> fmt_value(pd.Timestamp("2026-03-14"))
    '14/03/2026'
    """
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)):
        return f"{value:,}".replace(",", THOUSANDS).replace(".", ",")
    return str(value)


def fmt_percent(value: Any, decimals: int = 0) -> str:
    """Pourcentage à la française (valeur déjà en %) : ``fmt_percent(12.5, 1)`` → « 12,5 % »."""
    return "—" if value is None or pd.isna(value) else fmt_number(value, decimals) + "\u00a0%"


def fmt_date(value: Any) -> str:
    """Date à la française : « 3 mars 2026 », « 1er janvier 2026 ».

    Examples
    --------
    >>> fmt_date("2026-03-03"), fmt_date(pd.Timestamp("2026-01-01"))
    ('3 mars 2026', '1er janvier 2026')
    """
    if value is None or pd.isna(value):
        return "—"
    day = pd.Timestamp(value)
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"


_QUARTER = re.compile(r"(\d{4})-?[QT]([1-4])")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def fmt_period(value: Any) -> str | None:
    """Période écrite pour un lecteur : trimestre « 2023Q4 » → « 4e trimestre 2023 », mois
    « 2025-12 » → « décembre 2025 » ; ``None`` si `value` n'est pas une période.

    Examples
    --------
    >>> fmt_period("2023Q4"), fmt_period("2024Q1"), fmt_period("2025-12"), fmt_period("ECL-01")
    ('4e trimestre 2023', '1er trimestre 2024', 'décembre 2025', None)
    """
    text = str(value).strip()
    quarter = _QUARTER.fullmatch(text)
    if quarter:
        n = int(quarter.group(2))
        return f"{'1er' if n == 1 else f'{n}e'} trimestre {quarter.group(1)}"
    month = _MONTH.fullmatch(text)
    if month:
        return f"{_MONTHS[int(month.group(2)) - 1]} {month.group(1)}"
    return None


def short_axis(label: str) -> str:
    """Libellé court d'un axe de maturité pour un graphique : « Outils et infrastructure » →
    « Outils »."""
    return str(label).split(",")[0].split(" et ")[0].split(" avec ")[0]


def wrap_label(text: str, width: int = 12) -> str:
    """Coupe un libellé long en lignes d'environ `width` caractères (« <br> » de plotly).

    Examples
    --------
    >>> wrap_label("Protection des données")
    'Protection<br>des données'
    """
    lines = [""]
    for word in str(text).split():
        if lines[-1] and len(lines[-1]) + len(word) >= width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return "<br>".join(lines)
