"""Créer l'espace de travail d'une vraie collectivité (``python -m kit init``).

L'espace de travail vit hors du dépôt du kit, dans un dossier de la collectivité :

```
DOSSIER/collectivite.yaml    configuration pré-remplie depuis le référentiel embarqué (COG)
DOSSIER/LISEZMOI.md          qui remplit quoi, pour quand, où déposer les fichiers
DOSSIER/modeles/<service>/   modèles à envoyer à chaque service (inventaire, questionnaire)
DOSSIER/modeles/commun/      modèles remplis une fois (registre, compétences, cas d'usage…)
DOSSIER/donnees/<service>/   fichiers renvoyés par chaque service (jamais modifiés par le kit)
```

Les informations de la collectivité (nom, population, département, région, EPCI, strates) viennent
du Code officiel géographique embarqué (`kit.territories`) : rien n'est recopié à la main.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from kit import benchmark
from kit._format import fmt_date, fmt_number
from kit._parse import normalize_label
from kit.errors import ConfigError, KitError
from kit.templates import TEMPLATES, write_questionnaire, write_template
from kit.territories import REFERENCE, check_codes, closest_communes, load_territories
from kit.workspace import load_config

__all__ = ["DEFAULT_SERVICES", "Workspace", "create_workspace", "slug", "update_workspace"]

#: Services proposés par défaut, selon le niveau (modifiables dans collectivite.yaml).
DEFAULT_SERVICES = {
    "commune": ["Direction générale", "Finances", "Ressources humaines",
                "Systèmes d'information", "Urbanisme", "Eau et assainissement", "Déchets",
                "Énergie et bâtiments", "Éclairage public", "Mobilités",
                "Action sociale (CCAS)", "Culture", "Éducation et petite enfance"],
    "epci": ["Direction générale", "Finances", "Ressources humaines", "Systèmes d'information",
             "Développement économique", "Aménagement et urbanisme", "Habitat", "Mobilités",
             "Eau et assainissement", "Déchets", "Environnement et climat"],
    "departement": ["Direction générale", "Finances", "Ressources humaines",
                    "Systèmes d'information", "Action sociale et solidarités", "Routes",
                    "Collèges", "Culture et patrimoine", "Environnement"],
}
#: Modèles envoyés à chaque service ; les autres sont remplis une fois (dossier « commun »).
PER_SERVICE = ("inventaire_donnees", "questionnaire_maturite")
CONFIG_NAME = "collectivite.yaml"
#: Dossier des fichiers remplis une fois par l'équipe données (cas d'usage, catalogue…).
COMMON_FOLDER = "equipe_donnees"
_TYPES = {"commune": "Commune", "epci": "Intercommunalité", "departement": "Département"}


@dataclass
class Workspace:
    """Espace de travail créé ou mis à jour : dossier, configuration, fichiers écrits."""

    folder: Path
    config: Path
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """Résumé en français pour la ligne de commande."""
        lines = [f"Espace de travail : {self.folder}",
                 f"Configuration : {self.config.name} ; {len(self.written)} fichier(s) écrit(s)."]
        lines += [f"- {note}" for note in self.notes]
        lines.append(f"Étape suivante : envoyez à chaque service ses modèles ({self.folder.name}"
                     "/modeles/<service>/) et le LISEZMOI.md ; rangez les fichiers reçus dans "
                     f"{self.folder.name}/donnees/<service>/, puis lancez "
                     f"« python -m kit collecter {self.folder} ».")
        return "\n".join(lines)


def slug(name: str) -> str:
    """Nom de dossier d'un service : « Énergie et bâtiments » → « energie_et_batiments ».

    >>> slug("Action sociale (CCAS)"), slug("Systèmes d'information")
    ('action_sociale_ccas', 'systemes_d_information')
    """
    return normalize_label(name) or "service"  # même règle que les dossiers lus par la collecte


def _commune(code: str) -> dict[str, Any]:
    report = check_codes([code], level="commune").iloc[0]
    if report["statut"] != "valide":
        current = report.get("code_actuel")
        if isinstance(current, str) and current and current != code:
            names = load_territories("commune").set_index("code")["nom"]
            raise ConfigError(
                f"Le code commune {code} n'est plus en vigueur ({report['detail']}). Code actuel "
                f": {current} ({names.get(current, '?')}). Relancez avec --code-insee {current}.")
        near = ", ".join(f"{c} {n}" for c, n in closest_communes(code))
        raise ConfigError(
            f"Le code commune {code!r} n'existe pas dans le Code officiel géographique embarqué"
            + (f" ; codes proches : {near}" if near else "")
            + ". Vérifiez-le sur le site de l'INSEE (5 caractères, 2A/2B pour la Corse).")
    row = load_territories("commune").set_index("code").loc[report["code_actuel"]]
    epcis = load_territories("epci").set_index("code")
    epci = None
    if isinstance(row["epci"], str) and row["epci"] in epcis.index:
        e = epcis.loc[row["epci"]]
        epci = {"siren": row["epci"], "nom": e["nom"], "population": int(e["population"]),
                "nombre_communes": int(e["nb_communes"])}
    return {"niveau": "commune", "code_insee": report["code_actuel"], "nom": row["nom"],
            "population": _int(row["population"]), "departement": row["dep"],
            "region": row["reg"], "epci": epci}


def _epci(siren: str) -> dict[str, Any]:
    epcis = load_territories("epci").set_index("code")
    siren = str(siren).strip()
    if siren not in epcis.index:
        raise ConfigError(f"Le SIREN {siren!r} n'est pas celui d'un EPCI à fiscalité propre du "
                          "référentiel embarqué (9 chiffres, par exemple 243400017). Vérifiez-le "
                          "sur la base BANATIC ou le site de l'INSEE.")
    e = epcis.loc[siren]
    members = load_territories("commune")
    members = members[members["epci"] == siren].sort_values("code")
    return {"niveau": "epci", "siren": siren, "nom": e["nom"], "type": e["type"],
            "population": _int(e["population"]), "departement": e["dep"], "region": e["reg"],
            "membres": [{"code_insee": c, "nom": n}
                        for c, n in zip(members["code"], members["nom"], strict=True)]}


def _departement(code: str) -> dict[str, Any]:
    deps = load_territories("departement").set_index("code")
    code = str(code).strip().upper()
    code = code.zfill(2) if code.isdigit() and len(code) < 2 else code
    if code not in deps.index:
        raise ConfigError(f"Le département {code!r} n'existe pas dans le référentiel embarqué "
                          f"(codes possibles : {', '.join(list(deps.index)[:8])}…).")
    d = deps.loc[code]
    return {"niveau": "departement", "code": code, "nom": d["nom"],
            "population": _int(d["population"]), "region": d["reg"]}


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _strata(territory: dict[str, Any]) -> dict[str, str]:
    """Strates de la collectivité (DGF et OFGL pour une commune, OFGL sinon)."""
    population = territory.get("population")
    if population is None:
        return {}
    schemes = {"commune": ("dgf", "ofgl"), "epci": ("epci",),
               "departement": ("departement",)}[territory["niveau"]]
    out = {}
    for scheme in schemes:
        code = benchmark.assign_strata(pd.Series([population]), scheme).iloc[0]
        if pd.notna(code):
            out[scheme] = benchmark.stratum_label(int(code), scheme)
    return out


def _config(territory: dict[str, Any], services: list[str], campaign: dt.date) -> dict[str, Any]:
    strata = _strata(territory)
    level = territory["niveau"]
    config: dict[str, Any] = {"nom": territory["nom"], "niveau": level,
                              "type": _TYPES[level]}
    for key in ("code_insee", "siren", "code", "departement", "region"):
        if territory.get(key):
            config[key] = territory[key]
    config["population"] = territory.get("population")
    if "dgf" in strata or strata:
        config["strate"] = strata.get("dgf") or next(iter(strata.values()))
    if territory.get("epci"):
        config["epci"] = territory["epci"]
    if territory.get("membres"):  # EPCI : périmètre de l'inventaire et pairs par défaut
        config["membres"] = territory["membres"]
    config["exercice"] = campaign.year - 1
    config["millesime_geographique"] = int(REFERENCE["millesime"])
    config["equipe_donnees"] = {"analyste": "à compléter (fonction)",
                                "dpo": "à compléter (fonction)",
                                "administrateur_general_des_donnees": "à nommer",
                                "elu_referent": "à compléter (fonction)"}
    config["services"] = [{"nom": s, "dossier": slug(s)} for s in services]
    config["fichiers"] = []
    config["diagnostic"] = {"date": campaign.isoformat(), "type_collectivite": _TYPES[level],
                            "inventaires": "donnees", "registre": "donnees",
                            "maturite": {str(campaign.year): "donnees"}}
    # Les fichiers remplis une fois (cas d'usage, groupe de travail, catalogue) vont dans
    # donnees/equipe_donnees/ ; chaque lecture prend dans « donnees » les fichiers de son modèle.
    config["priorisation"] = {"cas_usage": "donnees", "groupe_travail": "donnees",
                              "inventaires": "donnees"}
    config["indicateurs"] = {"date": campaign.isoformat(), "catalogue": "donnees",
                             "inventaires": "donnees"}
    config["benchmark"] = {"strates": "dgf" if level == "commune" else level}
    return config


_HEADER = """\
# Configuration de {nom}, créée par « python -m kit init » le {date}.
# Les informations de la collectivité viennent du Code officiel géographique de l'INSEE embarqué
# dans le kit (millésime {cog}) ; vérifiez-les. Les codes restent entre apostrophes (zéros).
# Modifiez la liste des services puis lancez « python -m kit init {dossier} --mettre-a-jour ».
"""


def _write_config(path: Path, config: dict[str, Any], campaign: dt.date) -> None:
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=100)
    header = _HEADER.format(nom=config["nom"], date=fmt_date(campaign),
                            cog=config["millesime_geographique"], dossier=path.parent.name)
    path.write_text(header + text, encoding="utf-8")


def _templates(folder: Path, config: dict[str, Any], campaign: dt.date) -> list[Path]:
    """Modèles de la collectivité : un jeu par service, plus les modèles communs."""
    name = config["nom"]
    services = [s["nom"] for s in config.get("services") or []]
    written = []
    for service in config.get("services") or []:
        where = folder / "modeles" / service["dossier"]
        written.append(write_template("inventaire_donnees", where / "inventaire_donnees.xlsx",
                                      title=f"{name} — inventaire des données du service "
                                            f"« {service['nom']} »",
                                      choices={"service_producteur": services}))
        written.append(write_questionnaire(where / "questionnaire_maturite.xlsx",
                                           collectivite=name, service=service["nom"],
                                           campagne=campaign))
    common = folder / "modeles" / "commun"
    for template, schema in TEMPLATES.items():
        if template in PER_SERVICE:
            continue
        written.append(write_template(schema, common / f"{template}.xlsx",
                                      title=f"{name} — {template.replace('_', ' ')}"))
    return written


def _readme(config: dict[str, Any], campaign: dt.date) -> str:
    due = campaign + dt.timedelta(days=21)
    rows = "\n".join(f"| {s['nom']} | `modeles/{s['dossier']}/` | `donnees/{s['dossier']}/` |"
                     for s in config.get("services") or [])
    return f"""# Collecte des données de {config['nom']}

Campagne ouverte le {fmt_date(campaign)} ; retour attendu avant le **{fmt_date(due)}**.

## Qui remplit quoi

Chaque service remplit **deux fichiers**, dans le dossier à son nom :

1. `inventaire_donnees.xlsx` : une ligne par jeu de données que le service produit ou détient
   (y compris celles que garde un délégataire ou un prestataire). La feuille « Mode d'emploi »
   explique chaque colonne ; les listes déroulantes donnent les valeurs possibles.
2. `questionnaire_maturite.xlsx` : une réponse de 1 à 5 par question, avec un commentaire si
   besoin (à remplir en équipe, 30 minutes).

| service | modèles à remplir | où déposer les fichiers remplis |
|---|---|---|
{rows}

Les modèles du dossier `modeles/commun/` se remplissent une fois : le registre des traitements
(délégué à la protection des données), la cartographie des compétences (ressources humaines), les
cas d'usage, le groupe de travail et le catalogue des indicateurs (équipe données) ; déposez-les
dans `donnees/equipe_donnees/`.

## Règles

- Ne renommez pas les colonnes et ne supprimez pas la feuille « Mode d'emploi ».
- Aucune donnée personnelle dans l'inventaire : une fonction (« responsable du service »), jamais
  un nom, un courriel ou un téléphone.
- Déposez le fichier rempli dans `donnees/<service>/` : l'équipe données lance
  `python -m kit collecter` et renvoie à chaque service un fichier « à corriger » qui montre
  chaque cellule à reprendre, avec un commentaire.

Population : {fmt_number(config.get('population'), 0)} habitants (INSEE).
"""


def _resolve(code_insee: str | None, siren: str | None,
             departement: str | None) -> dict[str, Any]:
    given = [x for x in (code_insee, siren, departement) if x]
    if len(given) != 1:
        raise ConfigError("Indiquez exactement un identifiant : --code-insee (commune), --siren "
                          "(intercommunalité) ou --departement.")
    if code_insee:
        return _commune(str(code_insee).strip().upper())
    if siren:
        return _epci(str(siren))
    return _departement(str(departement))


def create_workspace(folder: str | Path, *, code_insee: str | None = None,
                     siren: str | None = None, departement: str | None = None,
                     services: list[str] | None = None, campaign: dt.date | None = None,
                     force: bool = False) -> Workspace:
    """Crée l'espace de travail d'une collectivité réelle, pré-rempli depuis le référentiel.

    Parameters
    ----------
    folder
        Dossier à créer (hors du dépôt du kit de préférence).
    code_insee, siren, departement
        Un seul des trois : commune (code INSEE), intercommunalité (SIREN) ou département.
    services
        Services de la collectivité ; par défaut `DEFAULT_SERVICES` du niveau.
    campaign
        Date d'ouverture de la campagne de collecte (par défaut aujourd'hui).
    force
        Réécrit un espace de travail existant (sinon : erreur, rien n'est touché).

    Returns
    -------
    Workspace

    Raises
    ------
    ConfigError
        Code inconnu ou ancien (les codes et noms proches sont proposés), espace existant sans
        `force`.
    """
    folder = Path(folder).expanduser().resolve()
    config_path = folder / CONFIG_NAME
    if config_path.exists() and not force:
        raise ConfigError(f"{config_path} existe déjà : l'espace de travail n'est pas réécrit. "
                          "Utilisez --mettre-a-jour pour ajouter des services, ou --forcer pour "
                          "tout recréer (les fichiers reçus dans donnees/ sont gardés).")
    territory = _resolve(code_insee, siren, departement)
    campaign = campaign or dt.date.today()
    names = services or DEFAULT_SERVICES[territory["niveau"]]
    config = _config(territory, list(names), campaign)
    folder.mkdir(parents=True, exist_ok=True)
    _write_config(config_path, config, campaign)
    workspace = Workspace(folder, config_path, [config_path])
    workspace.written += _layout(folder, config, campaign)
    if territory["niveau"] == "epci":
        workspace.notes.append(f"{len(territory['membres'])} communes membres listées dans "
                               "« membres » : périmètre de l'inventaire et pairs par défaut.")
    load_config(config_path)  # la configuration écrite doit se relire sans erreur
    return workspace


def _layout(folder: Path, config: dict[str, Any], campaign: dt.date) -> list[Path]:
    for service in config.get("services") or []:
        (folder / "donnees" / service["dossier"]).mkdir(parents=True, exist_ok=True)
    (folder / "donnees" / COMMON_FOLDER).mkdir(parents=True, exist_ok=True)
    readme = folder / "LISEZMOI.md"
    readme.write_text(_readme(config, campaign), encoding="utf-8")
    return [readme, *_templates(folder, config, campaign)]


def update_workspace(folder: str | Path) -> Workspace:
    """Relit la liste des services de collectivite.yaml (modifiée à la main), crée les dossiers
    qui manquent et régénère les modèles ; les fichiers reçus ne sont jamais touchés.

    Raises
    ------
    ConfigError
        Pas de collectivite.yaml dans le dossier, ou configuration incorrecte.
    """
    folder = Path(folder).expanduser().resolve()
    config_path = folder / CONFIG_NAME
    if not config_path.is_file():
        raise ConfigError(f"Pas de {CONFIG_NAME} dans {folder} : créez d'abord l'espace avec "
                          "« python -m kit init DOSSIER --code-insee CODE ».")
    config = load_config(config_path)
    services = config.get("services") or []
    changed = False
    for service in services:
        if not service.get("dossier"):
            service["dossier"] = slug(service["nom"])
            changed = True
    try:
        date = dt.date.fromisoformat(str((config.get("diagnostic") or {}).get("date")))
    except ValueError:
        date = dt.date.today()
    if changed:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        raw["services"] = [{k: v for k, v in s.items()} for s in services]
        _write_config(config_path, raw, date)
    workspace = Workspace(folder, config_path)
    try:
        workspace.written += _layout(folder, config, date)
    except KitError as exc:
        raise ConfigError(f"Mise à jour de {folder} impossible : {exc}") from exc
    workspace.notes.append(f"{len(services)} service(s) ; modèles régénérés.")
    return workspace
