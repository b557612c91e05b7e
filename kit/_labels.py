"""Libellés lisibles par un élu : noms de colonnes du kit → en-têtes français, codes internes
(problèmes, statuts) → phrases françaises. Le seul endroit où ces traductions sont écrites ;
`kit.charts.style_table` les applique à chaque tableau d'un rapport.

Un en-tête inconnu écrit en identifiant (``taux_de_charge``) devient « Taux de charge » : aucun
tableau d'un rapport ne montre de nom de colonne technique.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from kit._format import fmt_period

__all__ = ["CODE_PHRASES", "COLUMN_LABELS", "humanize_table", "label_column", "label_value"]

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
    """
    if isinstance(value, bool):
        return "oui" if value else "non"
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
    périodes et booléens des colonnes de texte en français (`label_value`). `df` n'est pas
    modifié ; les colonnes numériques ne sont pas touchées.
    """
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        codes = str(column).lower() == "code"
        out[column] = series.map(
            lambda v, codes=codes: CODE_PHRASES[v] if codes and v in _ONE_WORD
            else label_value(v))
    labels = [label_column(c) for c in out.columns]
    if len(set(labels)) == len(labels):  # deux colonnes ne prennent jamais le même en-tête
        out.columns = labels
    return out
