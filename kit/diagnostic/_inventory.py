"""Inventaire des données : lecture des fichiers des services, contrôles croisés, synthèses.

Fonctions pures (tableau en entrée, tableau en sortie), sauf `load_inventories` et
`load_register` qui lisent les fichiers.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import pandas as pd

from kit.workspace import (
    ACCESSIBLE_MODES,
    DSP_HOLDER,
    EXTERNAL_HOLDERS,
    problems_frame,
    row_problem,
    split_ids,
    unknown_ids,
)

__all__ = [
    "FRESHNESS_DAYS",
    "RGPD_CODES",
    "check_inventory",
    "crossing_edges",
    "freshness",
    "holder_access",
    "inventory_scorecard",
    "uncontrolled_holdings",
]

#: Délai au-delà duquel un jeu de données est « en retard », selon sa fréquence déclarée
#: (fréquence + une marge d'environ 50 %). Hypothèse : une fréquence ponctuelle, irrégulière
#: ou inconnue tolère deux ans sans mise à jour.
FRESHNESS_DAYS = {
    "Continuelle": 7, "Toutes les heures": 7, "Quotidienne ou plusieurs fois par jour": 7,
    "Hebdomadaire ou plusieurs fois par semaine": 14, "Mensuelle ou plusieurs fois par mois": 45,
    "Bimestrielle": 90, "Trimestrielle": 135, "Semestrielle": 270, "Annuelle": 550,
    "Biennale": 1100, "Triennale": 1650, "Quinquennale": 2740,
    "Ponctuelle": 730, "Irrégulière": 730, "Inconnue": 730,
}

def _key(text: Any) -> str:
    """Titre réduit pour repérer un même jeu déclaré sous deux identifiants."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _where(row: pd.Series) -> str:
    return f"{row['service_producteur']} ({row['fichier']}, ligne {int(row['ligne'])})"


#: Codes des problèmes RGPD de l'inventaire (données personnelles hors registre).
RGPD_CODES = ("rgpd-sans-registre", "rgpd-reference-inconnue")


def check_inventory(inventory: pd.DataFrame, register: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """Incohérences entre services et avec le registre des traitements.

    Contrôles : même identifiant déclaré deux fois ; même titre sous deux identifiants
    (avertissement) ; « jeux croisés avec » citant un identifiant inconnu ; données
    personnelles sans référence au registre, ou avec une référence absente du registre ;
    jeu détenu par un délégataire (DSP) sans clause données dans le contrat (« non » :
    erreur, « inconnu » ou vide : avertissement) ou sans nom de délégataire ; jeu publié en
    open data sans licence.

    Parameters
    ----------
    inventory
        Sortie de `load_inventories`.
    register
        Sortie de `load_register` (facultatif : sans registre, seules les références
        manquantes sont signalées).

    Returns
    -------
    pandas.DataFrame
        Un problème par ligne (mêmes colonnes que les rapports de validation), code parmi
        ``doublon``, ``doublon-probable``, ``croisement-inconnu``, ``rgpd-sans-registre``,
        ``rgpd-reference-inconnue``, ``dsp-sans-clause``, ``dsp-sans-nom``,
        ``open-data-sans-licence``.

    Examples
    --------
    >>> inv = pd.DataFrame({"fichier": ["a.xlsx", "b.xlsx"], "feuille": "Données",
    ...     "ligne": [2, 2], "identifiant": ["EAU-1", "EAU-1"], "titre": ["Réseau", "Réseau"],
    ...     "service_producteur": ["Eau", "Finances"], "detenteur": "Service",
    ...     "nom_delegataire": None, "mode_acces": "Interne", "clauses_donnees_dsp": None,
    ...     "donnees_personnelles": False, "reference_registre": None, "licence": None,
    ...     "jeux_croises": ["EAU-2", None]})
    >>> check_inventory(inv)["code"].tolist()
    ['croisement-inconnu', 'doublon']
    """
    found: list[dict[str, Any]] = []
    inv = inventory[inventory["identifiant"].notna()]
    ids = inv["identifiant"].astype(str).str.upper()
    for ident, group in inv.groupby(ids, sort=True):
        if len(group) > 1:
            places = " ; ".join(_where(r) for _, r in group.iterrows())
            for _, row in group.iloc[1:].iterrows():
                found.append(row_problem(inventory, row, "identifiant", (
                    f"Le jeu « {ident} » est déclaré {len(group)} fois : {places}. Gardez une "
                    "seule ligne, tenue par le service qui produit les données, et citez-la "
                    "dans « Jeux croisés avec » depuis les autres services."), "doublon"))
    titles = inv.assign(_k=inv["titre"].map(_key), _id=ids)
    for _, group in titles[titles["_k"] != ""].groupby("_k", sort=True):
        if group["_id"].nunique() > 1:
            row = group.iloc[1]
            others = ", ".join(sorted(group["_id"].unique()))
            found.append(row_problem(inventory, row, "titre", (
                f"Le titre « {row['titre']} » est déclaré sous plusieurs identifiants "
                f"({others}) : {' ; '.join(_where(r) for _, r in group.iterrows())}. S'il "
                "s'agit du même jeu, gardez un seul identifiant."), "doublon-probable",
                "avertissement"))
    known = set(ids)
    for _, row in inv.iterrows():
        unknown = unknown_ids(row.get("jeux_croises"), known)
        if unknown:
            found.append(row_problem(inventory, row, "jeux_croises", (
                f"« Jeux croisés avec » cite {', '.join(unknown)}, absent(s) de l'inventaire. "
                "Corrigez l'identifiant ou ajoutez ce jeu à l'inventaire du service qui le "
                "détient."), "croisement-inconnu"))
    found += _check_rgpd(inventory, inv, register)
    found += _check_holders(inventory, inv)
    out = problems_frame(found)
    return out.sort_values(["fichier", "ligne"], kind="stable").reset_index(drop=True)


def _check_rgpd(inventory: pd.DataFrame, inv: pd.DataFrame, register: pd.DataFrame | None
                ) -> list[dict[str, Any]]:
    found = []
    refs = set() if register is None else set(register["reference"].dropna().astype(str))
    personal = inv[inv["donnees_personnelles"].fillna(False).astype(bool)]
    for _, row in personal.iterrows():
        ref = row.get("reference_registre")
        if ref is None or pd.isna(ref) or not str(ref).strip():
            found.append(row_problem(inventory, row, "reference_registre", (
                f"Le jeu « {row['identifiant']} » contient des données personnelles mais ne cite "
                "aucun traitement du registre. Avec le DPO, inscrivez le traitement au registre "
                "et reportez sa référence (RT-000)."), RGPD_CODES[0]))
        elif register is not None and str(ref) not in refs:
            found.append(row_problem(inventory, row, "reference_registre", (
                f"Le jeu « {row['identifiant']} » cite le traitement {ref}, absent du registre "
                "des traitements. Vérifiez la référence avec le DPO."),
                RGPD_CODES[1]))
    return found


def _check_holders(inventory: pd.DataFrame, inv: pd.DataFrame) -> list[dict[str, Any]]:
    found = []
    for _, row in inv[inv["detenteur"] == DSP_HOLDER].iterrows():
        clause = row.get("clauses_donnees_dsp")
        clause = None if clause is None or pd.isna(clause) else str(clause)
        if clause != "oui":
            level = "erreur" if clause == "non" else "avertissement"
            state = "ne prévoit pas" if clause == "non" else "ne dit pas si le contrat prévoit"
            found.append(row_problem(inventory, row, "clauses_donnees_dsp", (
                f"Le jeu « {row['identifiant']} » est détenu par un délégataire, mais "
                f"l'inventaire {state} la remise des données à la collectivité. Vérifiez le "
                "contrat et, à son renouvellement, ajoutez une clause données (données "
                "d'intérêt général, format ouvert, fréquence de remise)."), "dsp-sans-clause",
                level))
    external = inv[inv["detenteur"].isin(EXTERNAL_HOLDERS)]
    for _, row in external[external["nom_delegataire"].isna()].iterrows():
        found.append(row_problem(inventory, row, "nom_delegataire", (
            f"Le jeu « {row['identifiant']} » est détenu hors de la collectivité "
            f"({row['detenteur']}) sans nom de délégataire : indiquez qui le détient."),
            "dsp-sans-nom", "avertissement"))
    published = inv[(inv["mode_acces"] == "Open data publié") & inv["licence"].isna()]
    for _, row in published.iterrows():
        found.append(row_problem(inventory, row, "licence", (
            f"Le jeu « {row['identifiant']} » est publié en open data sans licence : indiquez "
            "la licence (Licence Ouverte ou ODbL, seules licences de la liste fixée par "
            "décret pour les administrations)."), "open-data-sans-licence", "avertissement"))
    return found


def freshness(inventory: pd.DataFrame, today: dt.date | str | None = None) -> pd.DataFrame:
    """Fraîcheur de chaque jeu : âge de la dernière mise à jour comparé à sa fréquence.

    Parameters
    ----------
    inventory
        Sortie de `load_inventories`.
    today
        Date du diagnostic (par défaut aujourd'hui ; fixez-la pour un rapport reproductible).

    Returns
    -------
    pandas.DataFrame
        identifiant, titre, service_producteur, frequence_maj, date_derniere_maj, age_jours,
        delai_max_jours, statut (« à jour », « en retard » ou « date inconnue »).

    Examples
    --------
    >>> inv = pd.DataFrame({"identifiant": ["A", "B"], "titre": ["a", "b"],
    ...     "service_producteur": "Eau", "frequence_maj": ["Annuelle", "Mensuelle ou "
    ...     "plusieurs fois par mois"], "date_derniere_maj": pd.to_datetime(["2025-01-01",
    ...     "2025-10-01"])})
    >>> freshness(inv, "2026-01-15")["statut"].tolist()
    ['à jour', 'en retard']
    """
    today = pd.Timestamp(today or dt.date.today()).normalize()
    out = inventory[["identifiant", "titre", "service_producteur", "frequence_maj",
                     "date_derniere_maj"]].copy()
    age = (today - pd.to_datetime(out["date_derniere_maj"])).dt.days
    limit = out["frequence_maj"].map(FRESHNESS_DAYS).fillna(FRESHNESS_DAYS["Inconnue"])
    out["age_jours"] = age.astype("Int64")
    out["delai_max_jours"] = limit.astype(int)
    out["statut"] = "à jour"
    out.loc[age > limit, "statut"] = "en retard"
    out.loc[age.isna(), "statut"] = "date inconnue"
    return out.reset_index(drop=True)


def inventory_scorecard(inventory: pd.DataFrame, today: dt.date | str | None = None
                        ) -> pd.DataFrame:
    """Tableau de bord par service : un pourcentage par dimension de qualité (0 à 100).

    Colonnes : « Jeux déclarés » (nombre), « Qualité auto-évaluée » (moyenne de 1 à 4
    ramenée sur 100 : 1 → 0, 4 → 100), « À jour », « Accessibles » (interne, API ou open
    data), « Documentés » (description remplie), « Ouverts » (open data publié), « Avec
    données personnelles ». Une dernière ligne « Ensemble » porte les mêmes mesures pour
    toute la collectivité.

    Examples
    --------
    >>> inv = pd.DataFrame({"identifiant": ["A", "B"], "titre": ["a", "b"],
    ...     "service_producteur": ["Eau", "Eau"], "frequence_maj": "Annuelle",
    ...     "date_derniere_maj": pd.to_datetime(["2025-06-01", "2020-01-01"]),
    ...     "qualite": pd.array([4, 2], dtype="Int64"), "mode_acces": ["API", "Inaccessible"],
    ...     "description": ["x", None], "donnees_personnelles": [False, True]})
    >>> card = inventory_scorecard(inv, "2026-01-15")
    >>> card.loc["Eau", ["Qualité auto-évaluée", "À jour", "Accessibles"]].tolist()
    [66.7, 50.0, 50.0]
    """
    fresh = freshness(inventory, today)
    data = pd.DataFrame({
        "service": inventory["service_producteur"].fillna("(service non indiqué)").to_numpy(),
        "quality": (pd.to_numeric(inventory["qualite"]).astype("Float64") - 1) / 3 * 100,
        "fresh": (fresh["statut"] == "à jour").to_numpy(),
        "access": inventory["mode_acces"].isin(ACCESSIBLE_MODES).to_numpy(),
        "doc": inventory["description"].notna().to_numpy(),
        "open": (inventory["mode_acces"] == "Open data publié").to_numpy(),
        "personal": inventory["donnees_personnelles"].fillna(False).astype(bool).to_numpy(),
    })
    data["quality"] = data["quality"].to_numpy(dtype=float, na_value=float("nan"))

    def measures(g: pd.DataFrame) -> pd.Series:
        return pd.Series({
            "Jeux déclarés": len(g),
            "Qualité auto-évaluée": g["quality"].mean(),
            "À jour": 100 * g["fresh"].mean(), "Accessibles": 100 * g["access"].mean(),
            "Documentés": 100 * g["doc"].mean(), "Ouverts": 100 * g["open"].mean(),
            "Avec données personnelles": 100 * g["personal"].mean(),
        })

    table = data.groupby("service", sort=True).apply(measures, include_groups=False)
    table.loc["Ensemble"] = measures(data)
    table.index.name = "service"
    table["Jeux déclarés"] = table["Jeux déclarés"].astype(int)
    return table.round(1)


def holder_access(inventory: pd.DataFrame) -> pd.DataFrame:
    """Nombre de jeux par détenteur et mode d'accès (tableau croisé, totaux compris)."""
    return pd.crosstab(inventory["detenteur"].fillna("(non indiqué)"),
                       inventory["mode_acces"].fillna("(non indiqué)"),
                       margins=True, margins_name="Total")


def uncontrolled_holdings(inventory: pd.DataFrame) -> pd.DataFrame:
    """Jeux détenus hors de la collectivité qu'elle ne peut pas utiliser librement.

    Retient les jeux d'un délégataire, prestataire ou partenaire dont le mode d'accès n'est
    ni interne, ni API, ni open data, ou dont le contrat ne prévoit pas (ou pas clairement) la
    remise des données. Trié par délégataire.
    """
    inv = inventory[inventory["detenteur"].isin(EXTERNAL_HOLDERS)]
    clause = inv["clauses_donnees_dsp"].fillna("inconnu")
    blocked = ~inv["mode_acces"].isin(ACCESSIBLE_MODES) | (
        (inv["detenteur"] == DSP_HOLDER) & (clause != "oui"))
    cols = ["nom_delegataire", "detenteur", "identifiant", "titre", "service_producteur",
            "mode_acces", "clauses_donnees_dsp"]
    out = inv.loc[blocked, cols].copy()
    out["nom_delegataire"] = out["nom_delegataire"].fillna("(non indiqué)")
    out["clauses_donnees_dsp"] = out["clauses_donnees_dsp"].fillna("inconnu")
    return out.sort_values(["nom_delegataire", "identifiant"]).reset_index(drop=True)


def crossing_edges(inventory: pd.DataFrame) -> pd.DataFrame:
    """Liens « jeux croisés avec » : une ligne par paire (source, cible), sans doublon.

    La colonne ``connu`` dit si la cible figure dans l'inventaire ; le lien est non orienté
    (A croisé avec B = B croisé avec A).
    """
    inv = inventory[inventory["identifiant"].notna()]
    ids = set(inv["identifiant"].astype(str).str.upper())
    pairs: dict[tuple[str, str], bool] = {}
    for ident, text in zip(inv["identifiant"].astype(str).str.upper(), inv["jeux_croises"]):
        for other in split_ids(text):
            if other != ident:
                pairs[tuple(sorted((ident, other)))] = other in ids and ident in ids
    rows = [{"source": a, "cible": b, "connu": known} for (a, b), known in sorted(pairs.items())]
    return pd.DataFrame(rows, columns=["source", "cible", "connu"])
