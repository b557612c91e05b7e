"""Écriture des nombres, pourcentages et dates à la française, partagée par les calculs
(synthèses rédigées) et les graphiques."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

__all__ = ["CODE_PHRASES", "COLUMN_LABELS", "fmt_date", "fmt_number", "fmt_percent",
           "fmt_period", "fmt_value", "humanize_table", "label_column", "label_value",
           "short_axis", "wrap_label"]

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


# ------------------------------------------------------------------ libellés pour les élus
# Libellés lisibles par un élu : noms de colonnes du kit → en-têtes français, codes internes
# (problèmes, statuts) → phrases françaises. Le seul endroit où ces traductions sont écrites ;
# `kit.charts.style_table` les applique à chaque tableau d'un rapport.
# 
# Un en-tête inconnu écrit en identifiant (``taux_de_charge``) devient « Taux de charge » : aucun
# tableau d'un rapport ne montre de nom de colonne technique.


#: Nom de colonne du kit → en-tête d'un rapport.
COLUMN_LABELS: dict[str, str] = {
    "annee": "Année",
    "annees": "Années",
    "appreciation": "Appréciation",
    "attendu": "Valeur attendue",
    "clauses_donnees_dsp": "Clause sur les données dans le contrat (DSP)",
    "code_insee": "Code INSEE",
    "code_saisi": "Code saisi",
    "cible_txt": "Cible (échéance)",
    "derniere_periode": "Dernière période",
    "derniere_valeur": "Dernière valeur",
    "detenteur": "Détenteur",
    "ecart": "Écart",
    "ecart_cible": "Écart à la cible",
    "ecart_cible_pct": "Écart à la cible (%)",
    "ecart_mediane_pct": "Écart à la médiane (%)",
    "echeance": "Échéance",
    "en_retard": "En retard",
    "id": "Référence",
    "libelle": "Libellé",
    "maj_en_retard": "Mise à jour en retard",
    "mediane": "Médiane",
    "meilleur_service": "Service le plus avancé",
    "mode_acces": "Mode d'accès",
    "montant_engage": "Montant engagé (€ HT)",
    "montant_paye": "Montant payé (€ HT)",
    "montant_planifie": "Montant planifié (€ HT)",
    "nom_delegataire": "Délégataire",
    "periode": "Période",
    "premiere_ligne": "Première ligne",
    "probleme": "Problème",
    "score_collectivite": "Score de la collectivité",
    "score_meilleurs_pairs": "Score des meilleurs pairs",
    "service_le_plus_faible": "Service le moins avancé",
    "service_producteur": "Service producteur",
    "services_concernes": "Services concernés",
    "source_financement": "Source de financement",
    "sur": "Sur (communes)",
    "unite": "Unité",
    "zscore": "Score z",
}

#: Code interne (problème, statut) → phrase d'un rapport.
CODE_PHRASES: dict[str, str] = {
    # lecture et validation des fichiers (kit.validation.CODE_LABELS et kit.io)
    "type": "valeur illisible pour le type attendu",
    "format": "format incorrect",
    "format-non-standard": "valeur lisible mais mal écrite",
    "requis": "valeur obligatoire manquante",
    "contrainte": "valeur hors limites",
    "enum": "valeur hors de la liste autorisée",
    "motif": "valeur qui ne respecte pas le format attendu",
    "unicite": "valeur en double",
    "colonne-manquante": "colonne absente",
    "colonne-en-trop": "colonne en plus",
    "colonne-en-double": "colonne présente deux fois",
    "nom-colonne": "en-tête écrit autrement que prévu",
    "type-non-verifie": "contrôle non fait par le kit",
    "ligne-rejetee": "ligne écartée à la lecture",
    "ligne-reparee": "ligne recomposée à la lecture",
    "guillemet-non-ferme": "guillemet jamais fermé, ligne relue sans lui",
    "lignes-en-double": "lignes en double",
    "code-en-double": "code en double",
    "doublon-probable": "doublon probable",
    "fichier-illisible": "fichier illisible",
    "ancienne-version": "ancienne version du modèle",
    "questionnaire-vide": "questionnaire vide",
    "e-mail": "adresse électronique",
    # diagnostic
    "dsp-sans-clause": "délégataire sans clause sur les données",
    "dsp-sans-nom": "délégataire non nommé",
    "rgpd-sans-registre": "données personnelles sans traitement au registre",
    "rgpd-reference-inconnue": "traitement cité absent du registre",
    "croisement-inconnu": "jeu croisé absent de l'inventaire",
    "frequence-incoherente": "fréquence de mise à jour incohérente",
    "open-data-sans-licence": "données ouvertes sans licence",
    "maturite-ouverte-refusee": "résultats de maturité non partagés",
    # priorisation
    "cas-inconnu": "cas d'usage inconnu",
    "jeu-inconnu": "jeu de données absent de l'inventaire",
    "note-incoherente": "note qui contredit l'inventaire",
    "groupe-absent": "groupe de travail absent",
    "role-manquant": "rôle manquant dans le groupe de travail",
    # indicateurs
    "periode-incomplete": "période incomplète",
    "sans-cible": "indicateur sans cible",
    "sans-pilote": "indicateur sans pilote",
    "sans-reference": "indicateur sans valeur de référence",
    "source-inconnue": "source inconnue",
    "source-non-chargee": "source non chargée",
    "echeance-avant-reference": "échéance antérieure à la référence",
    # feuille de route
    "action-en-retard": "action en retard",
    "cycle-dependances": "dépendances en boucle",
    "dependance-inconnue": "dépendance inconnue",
    "depot-depasse": "date de dépôt dépassée",
    "depot-proche": "date de dépôt proche",
    "depot-sans-date": "dossier sans date de dépôt",
    "echeance-avant-debut": "échéance avant le début",
    "engage-au-dela": "engagé au-delà du prévu",
    "paye-au-dela": "payé au-delà de l'engagé",
    "fait-sans-fin": "action faite sans date de fin",
    "sans-financement": "poste sans financement",
}

_SNAKE = re.compile(r"[a-z]+(_[a-z0-9]+)+")
_CODE = re.compile(r"[a-z]+(-[a-z0-9]+)+")


def label_column(name: Any) -> str:
    """En-tête d'un rapport pour un nom de colonne.

    Examples
    --------
    >>> label_column("ecart_mediane_pct"), label_column("taux_de_charge"), label_column("service")
    ('Écart à la médiane (%)', 'Taux de charge', 'Service')
    """
    text = str(name)
    label = COLUMN_LABELS.get(text)
    if label is None:
        label = text.replace("_", " ").strip() if _SNAKE.search(text) else text
    return label[:1].upper() + label[1:]


def label_value(value: Any) -> Any:
    """Valeur d'une cellule pour un élu : code interne → phrase, période → texte, booléen →
    oui / non ; toute autre valeur est rendue telle quelle.

    Examples
    --------
    >>> label_value("dsp-sans-clause"), label_value("2023Q4"), label_value(True), label_value(3)
    ('délégataire sans clause sur les données', '4e trimestre 2023', 'oui', 3)
    >>> label_value(pd.Timestamp("2026-01-10"))
    '10 janvier 2026'
    """
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (pd.Timestamp, dt.date)):
        return fmt_date(value)
    if not isinstance(value, str):
        return value
    if value in CODE_PHRASES and _CODE.fullmatch(value):
        return CODE_PHRASES[value]
    period = fmt_period(value)
    return period if period is not None else value


# codes d'un seul mot : traduits seulement dans une colonne « code » (un mot comme « type »
# peut être une valeur ordinaire ailleurs)
_ONE_WORD = frozenset(c for c in CODE_PHRASES if "-" not in c)


def humanize_table(df: pd.DataFrame) -> pd.DataFrame:
    """Copie de `df` prête pour un rapport : en-têtes français (`label_column`), codes,
    périodes, dates et booléens des colonnes de texte en français (`label_value`, `fmt_date`).
    `df` n'est pas modifié ; les colonnes numériques ne sont pas touchées.

    Examples
    --------
    >>> humanize_table(pd.DataFrame({"echeance": pd.to_datetime(["2026-02-13"])})).iloc[0, 0]
    '13 février 2026'
    """
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_datetime64_any_dtype(series):  # « 10 janvier 2026 »
            out[column] = series.map(fmt_date)
            continue
        codes = str(column).lower() == "code"
        out[column] = series.map(
            lambda v, codes=codes: CODE_PHRASES[v] if codes and v in _ONE_WORD
            else label_value(v))
    labels = [label_column(c) for c in out.columns]
    if len(set(labels)) == len(labels):  # deux colonnes ne prennent jamais le même en-tête
        out.columns = labels
    return out
