"""Contrôle de la configuration d'une collectivité : types, codes, clés inconnues, chemins.

`check_config` reçoit la configuration lue par `kit.workspace._config_yaml.read_config_yaml` et
renvoie la liste de **tous** ses problèmes (une ligne chacun, qui nomme la clé, par exemple
« population », « diagnostic.date », « fichiers[3].schema » — 3 = troisième entrée —, et
sa ligne dans le fichier) ; `kit.workspace.load_config` les réunit en une seule
`ConfigError`. Les valeurs reconnues sont remises en forme : dates en texte ``AAAA-MM-JJ``
(``JJ/MM/AAAA`` accepté), années en nombres entiers.

Une clé que le kit ne connaît pas (en tête de fichier, dans une section, une entrée de
``fichiers`` ou de ``services``) n'est pas une erreur : un avertissement `ConfigWarning`
la nomme avec la clé connue la plus proche (« populaton » → « population »).

Codes : ``code_insee`` doit avoir la forme d'un code commune (5 caractères, 2A/2B pour la
Corse) et figurer dans le Code officiel géographique embarqué (`kit.territories`), sauf si
la configuration dit ``fictif: true`` (collectivité d'exemple). Même contrôle pour
``departement``, ``region`` et le code SIREN de l'EPCI (``epci: '200068567'`` ou
``epci: {siren: ...}``, sauf ``fictif: true`` dans la section ``epci``) ; ces contrôles sont
dans `kit.workspace._config_codes`.

Chemins : tout chemin de la configuration (``fichiers[].fichier`` et les fichiers ou
dossiers des sections ``diagnostic``, ``priorisation``, ``indicateurs``, ``benchmark``,
``comite``) est relatif au dossier du fichier YAML et doit y rester, liens symboliques
résolus : ``../../etc/passwd`` ou un chemin absolu ailleurs est refusé (de même pour un
``schema`` donné par un chemin absolu ou qui contient ``..``). Pour désigner
volontairement un dossier extérieur (dossier partagé des relevés du comité, par exemple),
ajoutez en tête de la configuration la clé ``chemins_hors_dossier: true``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kit.errors import ConfigWarning
from kit.workspace._config_codes import code_problem, commune_problem

__all__ = ["KNOWN_KEYS", "SECTION_KEYS", "check_config", "path_problem"]

#: Clés connues en tête de configuration (lues par `kit.workspace`, `kit.benchmark`, les
#: étapes et les notebooks).
KNOWN_KEYS = (
    "nom", "fictif", "code_insee", "code", "siren", "niveau", "type", "departement", "region",
    "remarque", "population", "strate", "epci", "exercice", "millesime_geographique",
    "equipe_donnees", "services", "fichiers", "diagnostic", "priorisation", "indicateurs",
    "benchmark", "comite", "feuille_de_route", "documents", "chemins_hors_dossier", "membres",
    "collecte", "publication",
)
#: Clés connues de chaque section ; les chemins sont décrits par `_PATH_KEYS`.
SECTION_KEYS = {
    "diagnostic": ("date", "type_collectivite", "inventaires", "registre", "maturite", "pairs",
                   "competences"),
    "priorisation": ("cas_usage", "groupe_travail", "inventaires", "poids"),
    "indicateurs": ("date", "catalogue", "inventaires", "variables"),
    "benchmark": ("indicateurs", "definitions", "strates", "par_habitant"),
    "comite": ("historique",),
    "feuille_de_route": ("fichier", "date", "prochain_comite", "delai_depot_jours"),
    "collecte": ("attendus",),
    "documents": ("contrats",),
    "publication": ("seuil_secret", "anonyme", "siret", "portail", "contact"),
}
_PATH_KEYS = {
    "diagnostic": ("inventaires", "registre", "pairs", "competences"),
    "priorisation": ("cas_usage", "groupe_travail", "inventaires"),
    "indicateurs": ("catalogue", "inventaires"),
    "benchmark": ("indicateurs", "definitions"),
    "comite": ("historique",),
    "feuille_de_route": ("fichier",),
    "collecte": (),
    "documents": (),
    "publication": (),
}
_ENTRY_KEYS = ("fichier", "service", "schema", "feuille", "jeu", "path", "chemin", "sheet",
               "entete", "lignes_ignorees", "types", "garder_totaux", "separateur", "encodage")
_SERVICE_KEYS = ("nom", "detenteur", "donnees", "dossier")
_EPCI_KEYS = ("nom", "code", "siren", "population", "nombre_communes", "fictif")
_TEXT_TOP = ("nom", "remarque", "strate", "type")
_YEARS = (1990, 2100)

Path_ = tuple[Any, ...]


def label(path: Path_) -> str:
    """(« fichiers », 2, « schema ») → « fichiers[3].schema » (entrées comptées à partir de 1)."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _shown(value: Any) -> str:
    text = f"« {value} »" if isinstance(value, str) else repr(value)
    kind = {bool: "booléen", int: "nombre", float: "nombre", list: "liste", dict: "dictionnaire",
            dt.date: "date"}.get(type(value))
    text = text if len(text) <= 60 else text[:59] + "…"
    return f"{text} ({kind})" if kind and not isinstance(value, str) else text


class _Checker:
    def __init__(self, config: dict[str, Any], lines: dict[Path_, int], folder: Path) -> None:
        self.config = config
        self.lines = lines
        self.folder = folder
        self.problems: list[tuple[int, str]] = []
        self.notes: list[str] = []  # avertissements, émis par check_config
        self.outside_allowed = config.get("chemins_hors_dossier") is True

    # ------------------------------------------------------------------ messages
    def where(self, path: Path_) -> str:
        line = self.lines.get(path)
        return f"« {label(path)} »" + (f" (ligne {line})" if line else "")

    def error(self, path: Path_, message: str) -> None:
        line = self.lines.get(path, 10**9)
        self.problems.append((line, f"{self.where(path)} : {message}"))

    def unknown_keys(self, mapping: dict[str, Any], path: Path_, known: tuple[str, ...]) -> None:
        for key in mapping:
            if key in known:
                continue
            near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f" Vouliez-vous dire « {near[0]} » ?" if near else (
                f" Clés connues : {', '.join(known)}.")
            self.notes.append(f"Configuration : clé inconnue {self.where((*path, key))}, "
                              f"ignorée par le kit.{hint}")

    # ------------------------------------------------------------------ types simples
    def text(self, value: Any, path: Path_) -> None:
        if value is not None and not isinstance(value, str):
            self.error(path, f"un texte est attendu, reçu {_shown(value)}.")

    def boolean(self, value: Any, path: Path_) -> None:
        if value is not None and not isinstance(value, bool):
            self.error(path, f"« true » ou « false » est attendu, reçu {_shown(value)}.")

    def positive_int(self, value: Any, path: Path_, example: str = "42000") -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 10**8:
            self.error(path, f"un nombre entier positif est attendu (par exemple {example}, "
                             f"sans espace ni point, au plus 100 000 000), reçu {_shown(value)}.")

    def year(self, value: Any, path: Path_) -> int | None:
        if value is None:
            return None
        year = value if isinstance(value, int) and not isinstance(value, bool) else (
            int(value) if isinstance(value, str) and re.fullmatch(r"\d{4}", value) else None)
        if year is None or not _YEARS[0] <= year <= _YEARS[1]:
            self.error(path, f"une année sur 4 chiffres est attendue (entre {_YEARS[0]} et "
                             f"{_YEARS[1]}, par exemple 2025), reçu {_shown(value)}.")
            return None
        return year

    def date(self, value: Any, path: Path_) -> str | None:
        if value is None:
            return None
        found = _parse_date(value)
        if found is None:
            self.error(path, "une date existante est attendue, au format AAAA-MM-JJ (par "
                             "exemple '2026-01-15') ou JJ/MM/AAAA, reçu "
                             f"{_shown(value)}.")
            return None
        return found.isoformat()

    def number(self, value: Any, path: Path_, *, minimum: float | None = None) -> None:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and not (
            isinstance(value, float) and math.isnan(value))
        if not ok or (minimum is not None and value < minimum):
            more = " positif ou nul" if minimum == 0 else ""
            self.error(path, f"un nombre{more} est attendu, reçu {_shown(value)}.")

    def mapping(self, value: Any, path: Path_, example: str) -> bool:
        if isinstance(value, dict):
            return True
        self.error(path, f"une liste de clés « nom: valeur » est attendue (par exemple "
                         f"{example}), reçu {_shown(value)}.")
        return False

    def path(self, value: Any, path: Path_) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not value.strip():
            self.error(path, f"un chemin de fichier ou de dossier (texte) est attendu, reçu "
                             f"{_shown(value)}.")
            return
        problem = path_problem(value, self.folder, allowed=self.outside_allowed)
        if problem:
            self.error(path, problem)

    # ------------------------------------------------------------------ codes
    def commune(self, value: Any, path: Path_, fictitious: bool) -> None:
        if value is None:
            return
        error, note = commune_problem(value, self.config.get("nom"), fictitious)
        if error:
            self.error(path, error)
        if note:
            self.notes.append(f"Configuration : {self.where(path)} : {note}")

    def territory(self, key: str, value: Any, path: Path_, level: str, check: bool) -> None:
        error = None if value is None else code_problem(key, value, level, check=check)
        if error:
            self.error(path, error)

    # ------------------------------------------------------------------ sections
    def top(self) -> dict[str, Any]:
        c = self.config
        out = dict(c)
        self.unknown_keys(c, (), KNOWN_KEYS)
        fictitious = c.get("fictif") is True
        for key in ("fictif", "chemins_hors_dossier"):
            self.boolean(c.get(key), (key,))
        for key in _TEXT_TOP:
            self.text(c.get(key), (key,))
        self.commune(c.get("code_insee"), ("code_insee",), fictitious)
        for key, level in (("departement", "departement"), ("region", "region")):
            self.territory(key, c.get(key), (key,), level, True)
        self.territory("siren", c.get("siren"), ("siren",), "epci", False)
        if c.get("niveau") is not None and c["niveau"] not in ("commune", "epci", "departement",
                                                               "region"):
            self.error(("niveau",), "« commune », « epci », « departement » ou « region » est "
                                    f"attendu, reçu {_shown(c['niveau'])}.")
        self.positive_int(c.get("population"), ("population",))
        for key in ("exercice", "millesime_geographique"):
            if key in c:
                out[key] = self.year(c[key], (key,))
        self.epci(c.get("epci"), fictitious)
        self.team(c.get("equipe_donnees"))
        self.services(c.get("services"))
        self.entries(c.get("fichiers"))
        for name, known in SECTION_KEYS.items():
            if c.get(name) is not None:
                out[name] = self.section(name, c[name], known)
        return out

    def epci(self, value: Any, fictitious: bool) -> None:
        if value is None:
            return
        if isinstance(value, str):
            self.territory("siren", value, ("epci",), "epci", not fictitious)
            return
        if not self.mapping(value, ("epci",), "« epci: {siren: '200068567'} »"):
            return
        self.unknown_keys(value, ("epci",), _EPCI_KEYS)
        self.text(value.get("nom"), ("epci", "nom"))
        self.boolean(value.get("fictif"), ("epci", "fictif"))
        for key in ("population", "nombre_communes"):
            self.positive_int(value.get(key), ("epci", key), "24" if key[0] == "n" else "110000")
        check = not (fictitious or value.get("fictif") is True)
        for key in ("siren", "code"):
            if value.get(key) is not None:
                self.territory("siren", value[key], ("epci", key), "epci", check)

    def team(self, value: Any) -> None:
        if value is None or not self.mapping(value, ("equipe_donnees",), "« dpo: mutualisé »"):
            return
        for key, item in value.items():
            self.text(item, ("equipe_donnees", key))

    def services(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            self.error(("services",), f"une liste de services est attendue (« - nom: Eau »), "
                                      f"reçu {_shown(value)}.")
            return
        for number, item in enumerate(value):
            if not self.mapping(item, ("services", number), "« nom: Eau »"):
                continue
            self.unknown_keys(item, ("services", number), _SERVICE_KEYS)
            for key in _SERVICE_KEYS:
                self.text(item.get(key), ("services", number, key))

    def entries(self, value: Any) -> None:
        if not isinstance(value, list):
            return  # absent, vide ou mal formé : signalé par kit.workspace
        for number, item in enumerate(value):
            if not isinstance(item, dict):
                continue  # signalé par kit.workspace
            here = ("fichiers", number)
            self.unknown_keys(item, here, _ENTRY_KEYS)
            for key in ("service", "schema", "feuille", "sheet", "jeu"):
                self.text(item.get(key), (*here, key))
            schema = item.get("schema")
            if isinstance(schema, str) and (Path(schema).expanduser().is_absolute()
                                            or ".." in Path(schema).parts):
                self.path(str(Path(schema).expanduser()), (*here, "schema"))
            for key in ("fichier", "path", "chemin"):
                self.path(item.get(key), (*here, key))

    def section(self, name: str, value: Any, known: tuple[str, ...]) -> Any:
        if not self.mapping(value, (name,), f"« {name}: {{{known[0]}: ...}} »"):
            return value
        out = dict(value)
        self.unknown_keys(value, (name,), known)
        for key in _PATH_KEYS[name]:
            self.path(value.get(key), (name, key))
        if "date" in known and "date" in value:
            out["date"] = self.date(value["date"], (name, "date"))
        if "prochain_comite" in known and "prochain_comite" in value:
            out["prochain_comite"] = self.date(value["prochain_comite"],
                                               (name, "prochain_comite"))
        if "delai_depot_jours" in known and value.get("delai_depot_jours") is not None:
            self.number(value["delai_depot_jours"], (name, "delai_depot_jours"), minimum=0)
        if "seuil_secret" in known and value.get("seuil_secret") is not None:
            self.number(value["seuil_secret"], (name, "seuil_secret"), minimum=1)
        checks: dict[str, Callable[[Any, Path_], None]] = {
            "type_collectivite": self.text, "maturite": self.campaigns, "poids": self.weights,
            "variables": self.variables, "strates": self.text, "par_habitant": self.names,
            "contrats": self.contracts,
        }
        for key, check in checks.items():
            if key in known and value.get(key) is not None:
                check(value[key], (name, key))
        return out

    def campaigns(self, value: Any, path: Path_) -> None:
        if self.mapping(value, path, "« '2025': diagnostic/maturite_2025 »"):
            for key, item in value.items():
                self.path(item, (*path, key))

    def contracts(self, value: Any, path: Path_) -> None:
        if self.mapping(value, path, "« Aquavia Services: '2027-06-30' »"):
            for key, item in value.items():
                self.date(item, (*path, key))

    def weights(self, value: Any, path: Path_) -> None:
        if self.mapping(value, path, "« impact_usagers: 2 »"):
            for key, item in value.items():
                self.number(item, (*path, key), minimum=0)

    def variables(self, value: Any, path: Path_) -> None:
        if not self.mapping(value, path, "« surface_batiments_m2: 15630 »"):
            return
        for key, item in value.items():
            if isinstance(item, dict):  # série par année : {2024: 41800, 2025: 42000}
                for year, number in item.items():
                    self.year(year, (*path, key, year))
                    self.number(number, (*path, key, year))
            else:
                self.number(item, (*path, key))

    def names(self, value: Any, path: Path_) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(path, "une liste de noms est attendue (par exemple « [encours_dette] » "
                             f"ou une ligne « - encours_dette » par nom), reçu {_shown(value)}.")


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern, order in ((r"(\d{4})-(\d{2})-(\d{2})", (0, 1, 2)),
                           (r"(\d{1,2})/(\d{1,2})/(\d{4})", (2, 1, 0))):
        match = re.fullmatch(pattern, text)
        if match:
            parts = [int(p) for p in match.groups()]
            try:
                return dt.date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return None
    return None


def path_problem(value: str | Path, folder: str | Path, *, allowed: bool = False) -> str | None:
    """Problème (texte) si `value`, relatif à `folder`, en sort ; None s'il y reste.

    Les liens symboliques sont résolus : un lien rangé dans le dossier mais qui pointe
    ailleurs en sort. `allowed` (clé ``chemins_hors_dossier: true``) lève la restriction.

    Examples
    --------
    >>> path_problem("donnees/a.csv", "/srv/ville") is None
    True
    >>> "sort du dossier" in path_problem("../../etc/passwd", "/srv/ville")
    True
    """
    if allowed:
        return None
    base = Path(folder).resolve()
    target = (base / Path(value)).resolve()
    if target == base or base in target.parents:
        return None
    return (f"le chemin « {value} » sort du dossier de la configuration ({base}) : il mène à "
            f"{target}. Rangez le fichier dans ce dossier ou l'un de ses sous-dossiers, ou, si "
            "c'est voulu, ajoutez « chemins_hors_dossier: true » en tête de la configuration.")


def check_config(config: dict[str, Any], lines: dict[Path_, int], folder: str | Path
                 ) -> tuple[dict[str, Any], list[str]]:
    """Vérifie toute la configuration et remet en forme dates et années.

    Parameters
    ----------
    config
        Contenu du YAML (`kit.workspace._config_yaml.read_config_yaml`).
    lines
        Ligne de chaque clé, par chemin (même source).
    folder
        Dossier du fichier YAML : les chemins y sont relatifs et doivent y rester.

    Returns
    -------
    tuple
        La configuration remise en forme (dates ``AAAA-MM-JJ``, années entières) et la liste
        des problèmes, une ligne par problème dans l'ordre du fichier (vide si tout va bien). Les clés inconnues
        donnent un avertissement `ConfigWarning`, pas un problème.

    Examples
    --------
    >>> out, problems = check_config({"population": -5, "exercice": "2025",
    ...                               "diagnostic": {"date": "15/01/2026"}}, {}, ".")
    >>> out["exercice"], out["diagnostic"]["date"]
    (2025, '2026-01-15')
    >>> len(problems), problems[0].startswith("« population » : un nombre entier positif")
    (1, True)
    """
    checker = _Checker(config, lines, Path(folder))
    out = checker.top()
    for note in checker.notes:
        warnings.warn(note, ConfigWarning, stacklevel=3)  # attribué à l'appelant de load_config
    return out, [text for _, text in sorted(checker.problems, key=lambda p: p[0])]
