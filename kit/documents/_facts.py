"""Les faits que les documents citent, calculés depuis les résultats des étapes 1 et 2.

Fonctions pures (tableaux en entrée, tableaux ou dictionnaires en sortie) : les modules de
rédaction (`_charter`, `_clauses`, `_workshops`, `_organisation`) ne recalculent rien.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from kit._format import fmt_number
from kit._parse import normalize_label
from kit.diagnostic import Diagnostic
from kit.errors import ConfigError
from kit.priorisation import Prioritization

#: Seuil sous lequel un service ou un axe est jugé peu mûr (échelle 1 à 5, comme les
#: « points faibles » du diagnostic).
LOW_MATURITY = 2.5
#: Écart entre niveau visé et niveau actuel (en points) à partir duquel un axe appelle une
#: formation.
GAP_TRAINING = 1.0
#: Niveau de compétence (1 à 4) à partir duquel un agent est autonome.
AUTONOMOUS = 3
#: Libellés des compétences de la carte des compétences.
SKILL_LABELS = {"tableur": "tableur", "analyse_de_donnees": "analyse de données",
                "sig": "SIG (cartographie)", "protection_des_donnees_rgpd": "protection des "
                "données (RGPD)", "programmation_python_r": "programmation (Python, R)",
                "visualisation": "visualisation de données"}
NOT_GIVEN = "non renseigné"


def slug(name: str) -> str:
    """Nom de fichier ASCII tiré d'un nom d'opérateur.

    Examples
    --------
    >>> slug("Fournisseur d'électricité (marché)"), slug("Aquavia Services")
    ('fournisseur_d_electricite_marche', 'aquavia_services')
    """
    return normalize_label(name) or "operateur"


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def holder_counts(inventory: pd.DataFrame) -> pd.DataFrame:
    """Nombre de jeux par détenteur (« non renseigné » quand la colonne est vide ou absente)."""
    holders = inventory["detenteur"].map(_text).replace("", NOT_GIVEN)
    out = holders.value_counts().rename_axis("detenteur").reset_index(name="jeux")
    return out.sort_values(["jeux", "detenteur"], ascending=[False, True], kind="stable")


def personal_datasets(inventory: pd.DataFrame) -> pd.DataFrame:
    """Jeux déclarés comme contenant des données personnelles (identifiant, titre, service,
    référence au registre)."""
    flag = inventory["donnees_personnelles"].fillna(False).astype(bool)
    cols = ["identifiant", "titre", "service_producteur", "reference_registre"]
    return inventory.loc[flag, cols].drop_duplicates("identifiant").reset_index(drop=True)


def contract_ends(config: dict[str, Any], inventory: pd.DataFrame | None = None
                  ) -> dict[str, dt.date]:
    """Dates de fin des contrats, si connues : colonne « fin du contrat de délégation » de
    l'inventaire (la plus tardive par délégataire), puis la section ``documents.contrats``
    (opérateur → date) de la configuration, qui l'emporte.

    Raises
    ------
    ConfigError
        Section mal formée ou date illisible (la clé est nommée).
    """
    out: dict[str, dt.date] = {}
    if inventory is not None and {"nom_delegataire", "fin_contrat_delegation"} <= set(
            inventory.columns):
        rows = inventory[inventory["nom_delegataire"].notna()
                         & inventory["fin_contrat_delegation"].notna()]
        for name, value in zip(rows["nom_delegataire"], rows["fin_contrat_delegation"],
                               strict=True):
            day = _day(value)
            if day is not None and (str(name) not in out or day > out[str(name)]):
                out[str(name)] = day
    section = config.get("documents") or {}
    contracts = section.get("contrats") if isinstance(section, dict) else None
    if contracts is None:
        return out
    if not isinstance(contracts, dict):
        raise ConfigError("« documents.contrats » doit associer chaque opérateur à la date de "
                          "fin de son contrat (par exemple « Aquavia Services: '2027-06-30' »).")
    for name, value in contracts.items():
        day = _day(value)
        if day is None:
            raise ConfigError(f"« documents.contrats.{name} » : date illisible, reçu {value!r}. "
                              "Écrivez-la au format AAAA-MM-JJ (par exemple '2027-06-30') ou "
                              "JJ/MM/AAAA.")
        out[str(name)] = day
    return out


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(str(value).strip(), form).date()
        except ValueError:
            continue
    return None


def operators(inventory: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Jeux de chaque opérateur extérieur (délégataire, prestataire, partenaire) nommé dans
    l'inventaire, par nom d'opérateur (ordre alphabétique).

    Un jeu dont la colonne « Nom du délégataire » est remplie compte même si son détenteur
    n'est pas renseigné (colonne absente ou vide) : il est alors marqué « non renseigné ».
    """
    named = inventory[inventory["nom_delegataire"].map(_text) != ""]
    out = {}
    for name, rows in named.groupby(named["nom_delegataire"].map(_text), sort=True):
        rows = rows.assign(detenteur=rows["detenteur"].map(_text).replace("", NOT_GIVEN),
                           clauses_donnees_dsp=rows["clauses_donnees_dsp"].map(_text)
                           .replace("", NOT_GIVEN))
        out[str(name)] = rows.drop_duplicates("identifiant").reset_index(drop=True)
    return out


def service_maturity(diag: Diagnostic) -> pd.DataFrame:
    """Score moyen de chaque service (tous axes) à la dernière campagne, du plus faible au plus
    fort."""
    camp = max(diag.scores["campagne"].unique())
    last = diag.scores[(diag.scores["campagne"] == camp) & diag.scores["score"].notna()]
    out = last.groupby("service")["score"].mean().round(2).rename("score").reset_index()
    out.attrs["campagne"] = camp
    return out.sort_values(["score", "service"], kind="stable").reset_index(drop=True)


def lowest_services(diag: Diagnostic, n: int = 3) -> pd.DataFrame:
    """Services dont la maturité est la plus faible : tous ceux sous `LOW_MATURITY`, au moins
    les `n` plus faibles."""
    table = service_maturity(diag)
    low = table[table["score"] < LOW_MATURITY]
    return low if len(low) >= n else table.head(n)


def known_services(config: dict[str, Any], diag: Diagnostic) -> list[str]:
    """Services de la collectivité : ceux de la configuration, sinon ceux de l'inventaire."""
    names = [_text(s.get("nom")) for s in config.get("services") or [] if isinstance(s, dict)]
    names = [n for n in names if n]
    if not names:
        names = sorted(diag.inventory["service_producteur"].dropna().astype(str).unique())
    return list(dict.fromkeys(names))


def unanswered_services(config: dict[str, Any], diag: Diagnostic) -> list[str]:
    """Services sans aucune réponse au questionnaire de maturité de la dernière campagne."""
    answered = set(service_maturity(diag)["service"])
    return [s for s in known_services(config, diag) if s not in answered]


def relays(config: dict[str, Any], diag: Diagnostic, prio: Prioritization | None
           ) -> pd.DataFrame:
    """Relais données pressenti dans chaque service : un membre d'un groupe de travail de
    l'étape 2 dont la structure est le service (sa fonction, jamais un nom).

    # Hypothèse : faute de liste des relais, un service est « couvert » s'il siège déjà dans
    # un groupe de travail ; les autres sont « sans relais ».
    """
    group = prio.group if prio is not None else pd.DataFrame(columns=["structure", "fonction"])
    rows = []
    for service in known_services(config, diag):
        held = group[group["structure"].astype(str) == service]
        functions = sorted(set(held["fonction"].dropna().astype(str)) - {""})
        rows.append({"service": service, "relais": "; ".join(functions),
                     "statut": "pressenti" if functions else "sans relais"})
    return pd.DataFrame(rows, columns=["service", "relais", "statut"])


def training_needs(skills: pd.DataFrame | None) -> pd.DataFrame:
    """Agents à former par compétence, d'après la carte des compétences (agrégée, sans nom).

    ``a_former`` = agents de la carte − agents de niveau 3 ou 4 (un niveau vide ou hors échelle
    compte comme « à former ») ; ``services_prioritaires`` : ceux dont le niveau moyen est sous 2.
    """
    columns = ["competence", "agents_evalues", "autonomes", "a_former", "services_prioritaires"]
    if skills is None or skills.empty:
        return pd.DataFrame(columns=columns)
    total = int(sum(skills.attrs.get("effectifs", {}).values()))
    autonomous = skills.attrs.get("niveau_3_ou_plus", {})
    rows = []
    for skill in skills.columns:
        ok = int(autonomous.get(skill, 0))
        weak = [str(s) for s, v in skills[skill].items() if pd.notna(v) and v < 2]
        rows.append({"competence": SKILL_LABELS.get(skill, skill), "agents_evalues": total,
                     "autonomes": ok, "a_former": total - ok,
                     "services_prioritaires": ", ".join(weak)})
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["a_former", "competence"], ascending=[False, True], kind="stable")


def maturity_gaps(diag: Diagnostic) -> pd.DataFrame:
    """Axes de la dernière campagne dont l'écart au niveau visé atteint `GAP_TRAINING`, ou dont
    le score est sous `LOW_MATURITY` (axe, score, cible, écart), du plus grand écart au plus
    petit."""
    camp = max(diag.levels["campagne"].unique())
    axes = diag.levels[(diag.levels["campagne"] == camp) & (diag.levels["axe"] != "Ensemble")]
    keep = (axes["ecart"] >= GAP_TRAINING) | (axes["score"] < LOW_MATURITY)
    out = axes.loc[keep, ["axe", "score", "cible", "ecart"]]
    return out.sort_values(["ecart", "axe"], ascending=[False, True], kind="stable"
                           ).reset_index(drop=True)


def axis_score(diag: Diagnostic, prefix: str) -> float | None:
    """Score de la dernière campagne de l'axe dont le libellé commence par `prefix`."""
    camp = max(diag.levels["campagne"].unique())
    rows = diag.levels[(diag.levels["campagne"] == camp)
                       & diag.levels["axe"].astype(str).str.startswith(prefix)]
    return None if rows.empty else float(rows["score"].iloc[0])


def suggest_model(diag: Diagnostic) -> tuple[str, list[str]]:
    """Modèle d'organisation que suggère le diagnostic, et pourquoi (phrases chiffrées).

    # Hypothèse (règles du kit, à discuter en comité) :
    # - « répartie dans les directions » si la moitié au moins des services atteint 3 sur 5
    #   (les directions savent déjà porter leurs données) ;
    # - « mission autonome » si la gouvernance atteint 3,5 (stratégie adoptée) mais que
    #   l'organisation et les compétences restent sous 2,5 (l'expertise est à construire d'abord
    #   en un lieu) ;
    # - sinon « rattachée à la DGS ou à une DGA » : la démarche a besoin de l'autorité de la
    #   direction générale pour entraîner des services encore peu mûrs.
    """
    table = service_maturity(diag)
    mature = int((table["score"] >= 3).sum())
    gov, org = axis_score(diag, "Gouvernance"), axis_score(diag, "Organisation")
    camp = table.attrs["campagne"]
    why = [f"{mature} service(s) sur {len(table)} atteignent 3 sur 5 à la campagne {camp}."]
    if gov is not None:
        why.append(f"Axe « Gouvernance et pilotage » : {fmt_number(gov, 2)} sur 5.")
    if org is not None:
        why.append("Axe « Organisation, compétences et acculturation » : "
                   f"{fmt_number(org, 2)} sur 5.")
    if len(table) and mature * 2 >= len(table):
        return "Répartie dans les directions", why
    if gov is not None and org is not None and gov >= 3.5 and org < LOW_MATURITY:
        return "Mission autonome", why
    return "Rattachée à la DGS ou à une DGA", why
