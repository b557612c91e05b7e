"""Qui répond au questionnaire de maturité : profil du répondant (élu, direction, agent),
comparaison des regards d'un profil à l'autre, commentaires laissés à côté des réponses."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kit._parse import normalize_label
from kit.quality import mask_personal_fragments
from kit.templates import PROFILES

__all__ = ["NO_PROFILE", "comments", "compare_profiles", "respondent_profile"]

#: Profil d'un questionnaire qui n'en indique pas (ancien modèle, cellule vide ou illisible).
NO_PROFILE = "non indiqué"


def respondent_profile(text: Any) -> str:
    """Profil du répondant lu dans « Identification » : « élu », « direction », « agent », ou
    `NO_PROFILE`.

    Examples
    --------
    >>> [respondent_profile(t) for t in ("Élue", "Directeur", "agents", "", None, "DGS")]
    ['élu', 'direction', 'agent', 'non indiqué', 'non indiqué', 'non indiqué']
    """
    key = normalize_label(text) if isinstance(text, str) else ""
    for profile in PROFILES:
        if key.startswith(normalize_label(profile)[:3]):
            return profile
    return NO_PROFILE


def compare_profiles(answers: pd.DataFrame, campagne: str | None = None) -> pd.DataFrame:
    """Score de chaque axe selon le profil du répondant (élu, direction, agent), et l'écart
    entre le regard des élus et celui des agents.

    Chaque réponse compte autant ; les questionnaires sans profil (« non indiqué ») sont
    laissés de côté. Un écart positif veut dire que les élus jugent la collectivité plus mûre
    que les agents : c'est en soi un constat à discuter en atelier.

    Returns
    -------
    pandas.DataFrame
        Index : axes puis « Ensemble » ; colonnes : les profils présents (dans l'ordre élu,
        direction, agent) et ``ecart_elus_agents`` (élu − agent, vide s'il manque l'un des
        deux). ``attrs["questionnaires"]`` : nombre de questionnaires par profil.

    Examples
    --------
    >>> a = pd.DataFrame({"campagne": "2025", "fichier": ["e.xlsx", "e.xlsx", "a.xlsx",
    ...     "a.xlsx"], "profil": ["élu", "élu", "agent", "agent"], "axe": ["G", "Q"] * 2,
    ...     "code": ["G-1", "Q-1"] * 2, "reponse": [4, 3, 2, 2], "niveau_cible": None})
    >>> compare_profiles(a)["ecart_elus_agents"].to_dict()
    {'G': 2.0, 'Q': 1.0, 'Ensemble': 1.5}
    """
    campagne = campagne or max(answers["campagne"].unique())
    camp = answers[answers["campagne"] == campagne]
    if "profil" not in camp.columns:
        camp = camp.assign(profil=NO_PROFILE)
    camp = camp[camp["profil"].isin(PROFILES)]
    camp = camp.assign(reponse=pd.to_numeric(camp["reponse"]).astype(float))
    table = camp.pivot_table(index="axe", columns="profil", values="reponse", aggfunc="mean",
                             sort=False)
    table = table.reindex(columns=[p for p in PROFILES if p in table.columns])
    table.loc["Ensemble"] = table.mean()
    if {"élu", "agent"} <= set(table.columns):
        table["ecart_elus_agents"] = table["élu"] - table["agent"]
    else:
        table["ecart_elus_agents"] = float("nan")
    table = table.round(2)
    table.columns.name = None
    table.attrs["questionnaires"] = camp.groupby("profil")["fichier"].nunique().to_dict()
    return table


def comments(rows: pd.DataFrame) -> str:
    """« Service : commentaire » des réponses données, séparés par « | », e-mails, téléphones,
    NIR et IBAN masqués."""
    if "commentaire" not in rows.columns:
        return ""
    found = []
    for service, text in zip(rows["service"], rows["commentaire"]):
        if isinstance(text, str) and text.strip():
            found.append(f"{service} : {mask_personal_fragments(' '.join(text.split()))}")
    return " | ".join(found)
