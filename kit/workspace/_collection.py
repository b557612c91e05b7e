"""Tour de collecte d'un espace de travail : lire ce que chaque service a renvoyé, écrire un
classeur de retour par fichier à corriger, tenir le tableau de suivi.

Espace de travail (créé par ``python -m kit init``) ::

    DOSSIER/collectivite.yaml        services: [{nom: Eau, dossier: eau}, ...]
    DOSSIER/donnees/<dossier>/       fichiers renvoyés par le service (jamais modifiés)
    DOSSIER/retours/<dossier>/       classeurs de retour <nom>_a_corriger.xlsx (réécrits)
    DOSSIER/suivi_collecte.xlsx/.csv tableau de suivi (réécrit)

Documents attendus de chaque service : l'inventaire des données et le questionnaire de
maturité ; les autres modèles le sont pour les services listés dans la configuration ::

    collecte:
      attendus:
        registre_traitements: [rh, etat_civil]
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kit._format import fmt_date, fmt_number
from kit._parse import normalize_label
from kit.errors import ConfigError
from kit.schemas import load_schema
from kit.templates import TEMPLATES
from kit.validation import PROBLEM_COLUMNS
from kit.workspace._collect import EXTENSIONS, problem, problems_frame
from kit.workspace._config_check import check_config
from kit.workspace._config_yaml import read_config_yaml
from kit.workspace._feedback import write_feedback, write_suivi
from kit.workspace._received import Received, read_received

__all__ = ["EXPECTED_DOCUMENTS", "SUIVI_COLUMNS", "Collection", "run_collection"]

logger = logging.getLogger(__name__)

#: Documents attendus de chaque service (les autres modèles : `collecte.attendus`).
EXPECTED_DOCUMENTS = ("inventaire_donnees", "questionnaire_maturite")
#: Colonnes du tableau de suivi.
SUIVI_COLUMNS = ["service", "dossier", "document", "attendu", "statut", "erreurs",
                 "remarques", "fichier", "version", "date du fichier", "retour", "remarque"]
VALID, RECEIVED, TO_CORRECT, MISSING = "valide", "reçu", "à corriger", "manquant"
UNRECOGNISED, REPLACED = "non reconnu", "remplacé"

CONFIG_NAME = "collectivite.yaml"
DATA_DIR, FEEDBACK_DIR, SUIVI_NAME = "donnees", "retours", "suivi_collecte"
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


@dataclass
class Service:
    nom: str
    dossier: str
    listed: bool = True


@dataclass
class Collection:
    """Résultat d'un tour de collecte (`run_collection`).

    Attributes
    ----------
    folder
        Dossier de l'espace de travail.
    suivi
        Tableau de suivi (`SUIVI_COLUMNS`) : une ligne par service et document attendu, plus
        une ligne par fichier non attendu, non reconnu ou remplacé par un envoi plus récent.
    problems
        Tous les problèmes des fichiers reçus (`kit.validation.PROBLEM_COLUMNS`) ; la colonne
        ``fichier`` vaut ``<dossier du service>/<nom du fichier>``.
    feedback
        Classeurs de retour écrits pendant ce tour.
    """

    folder: Path
    suivi: pd.DataFrame
    problems: pd.DataFrame
    feedback: list[Path] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Services, documents attendus reçus, valides, à corriger, manquants, non reconnus."""
        s = self.suivi
        expected = s[s["attendu"] == "oui"]
        return {"services": int(s["dossier"].replace("", pd.NA).dropna().nunique()),
                "attendus": len(expected),
                "recus": int((expected["statut"] != MISSING).sum()),
                "valides": int((s["statut"] == VALID).sum()),
                "a_corriger": int(s["statut"].str.startswith(TO_CORRECT).sum()),
                "manquants": int((s["statut"] == MISSING).sum()),
                "non_reconnus": int((s["statut"] == UNRECOGNISED).sum())}

    def _headline(self) -> str:
        c = {k: fmt_number(v, 0) for k, v in self.counts().items()}
        return (f"{c['services']} service(s) : {c['recus']} document(s) attendu(s) reçu(s) sur "
                f"{c['attendus']}, {c['valides']} valide(s), {c['a_corriger']} à corriger, "
                f"{c['manquants']} manquant(s), {c['non_reconnus']} fichier(s) non reconnu(s).")

    def to_text(self) -> str:
        """Résumé en français : comptes, puis ce qu'il reste à faire service par service."""
        out = [f"Collecte dans {self.folder}", self._headline()]
        statut = self.suivi["statut"]
        for title, mask in (("À corriger", statut.str.startswith(TO_CORRECT)),
                            ("À vérifier", statut == RECEIVED),
                            ("Manquants", statut == MISSING),
                            ("Non reconnus", statut == UNRECOGNISED)):
            rows = self.suivi[mask]
            if not rows.empty:
                out += ["", f"{title} :"]
            for r in rows.itertuples(index=False):
                what = f"{r.document} ({r.fichier})" if r.document and r.fichier else (
                    r.document or r.fichier)
                if title == "À corriger":
                    what += f", {fmt_number(r.erreurs, 0)} problème(s)"
                elif title == "À vérifier":
                    what += f", {fmt_number(r.remarques, 0)} point(s) à vérifier"
                back = f" → {FEEDBACK_DIR}/{r.dossier}/{r.retour}" if r.retour else ""
                out.append(f"- {r.service} : {what}{back}")
        return "\n".join(out) + "\n"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in SUIVI_COLUMNS)
        rows = []
        for rec in _display(self.suivi).itertuples(index=False):
            rows.append("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in rec) + "</tr>")
        return (f'<div class="kit-collecte"><p><strong>{esc(f"Collecte dans {self.folder}")}'
                f"</strong><br>{esc(self._headline())}</p><table><thead><tr>{head}</tr>"
                f"</thead><tbody>{''.join(rows)}</tbody></table></div>")


def _display(suivi: pd.DataFrame) -> pd.DataFrame:
    """Tableau de suivi en textes (dates « 2 décembre 2026 14:05 », vides pour les manques)."""
    out = suivi.astype(object).where(suivi.notna(), "")
    out["date du fichier"] = [fmt_date(d) + d.strftime(" %H:%M") if isinstance(d, pd.Timestamp)
                              else "" for d in suivi["date du fichier"]]
    return out


# --------------------------------------------------------------------------- espace de travail
def _services(config: dict[str, Any], data: Path, path: Path) -> list[Service]:
    out: list[Service] = []
    for number, item in enumerate(config.get("services") or [], start=1):
        if not isinstance(item, dict) or not item.get("nom"):
            continue  # signalé par check_config
        slug = str(item.get("dossier") or normalize_label(item["nom"]))
        if not _SLUG.fullmatch(slug) or slug in (".", ".."):
            raise ConfigError(
                f"Configuration {path} : « services[{number}].dossier » vaut « {slug} » ; un "
                f"nom de dossier simple est attendu (lettres, chiffres, _ - .), sans / ni ..",
                path)
        twin = next((s for s in out if s.dossier == slug), None)
        if twin is not None:
            raise ConfigError(
                f"Configuration {path} : « services[{number}] » ({item['nom']}) a le même "
                f"dossier « {slug} » que « {twin.nom} » : donnez à chaque service son propre "
                "dossier (clé « dossier »).", path)
        out.append(Service(str(item["nom"]), slug))
    known = {s.dossier for s in out}
    for sub in sorted(p for p in data.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if sub.name not in known and _SLUG.fullmatch(sub.name):
            out.append(Service(sub.name, sub.name, listed=False))
    if not out:
        raise ConfigError(f"Aucun service dans {path} (clé « services ») ni aucun dossier dans "
                          f"{data} : ajoutez les services (« - nom: Eau » et « dossier: eau ») "
                          "ou relancez « python -m kit init ».", path)
    return out


def _expected(config: dict[str, Any], services: list[Service], path: Path) -> dict[str, set]:
    """Modèle → dossiers des services qui doivent le renvoyer."""
    slugs = {s.dossier for s in services}
    out = {t: set(slugs) for t in EXPECTED_DOCUMENTS}
    section = config.get("collecte") or {}
    wanted = section.get("attendus") if isinstance(section, dict) else None
    if wanted is None:
        return out
    if not isinstance(wanted, dict):
        raise ConfigError(f"Configuration {path} : « collecte.attendus » doit associer un modèle "
                          "à une liste de dossiers de services (« registre_traitements: [rh] »).",
                          path)
    for template, who in wanted.items():
        if template not in TEMPLATES:
            raise ConfigError(f"Configuration {path} : « collecte.attendus.{template} » : modèle "
                              f"inconnu. Modèles : {', '.join(TEMPLATES)}.", path)
        who = [who] if isinstance(who, str) else list(who or [])
        unknown = sorted(str(w) for w in who if str(w) not in slugs)
        if unknown:
            raise ConfigError(f"Configuration {path} : « collecte.attendus.{template} » cite "
                              f"{', '.join(unknown)}, qui n'est le dossier d'aucun service "
                              f"(dossiers : {', '.join(sorted(slugs))}).", path)
        out.setdefault(template, set()).update(str(w) for w in who)
    return out


def _read_workspace(folder: Path) -> tuple[list[Service], dict[str, set]]:
    if not folder.is_dir():
        raise ConfigError(f"Dossier de l'espace de travail introuvable : {folder}. Créez-le "
                          "avec « python -m kit init DOSSIER --code-insee ... ».", folder)
    path = folder / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"Le dossier {folder} n'est pas un espace de travail : il n'y a pas "
                          f"de fichier {CONFIG_NAME}. Créez l'espace avec « python -m kit init "
                          f"{folder} --code-insee ... » ou donnez le bon dossier.", folder)
    data = folder / DATA_DIR
    if not data.is_dir():
        raise ConfigError(f"Le dossier {folder} n'a pas de sous-dossier {DATA_DIR}/ (un dossier "
                          "par service, où ranger les fichiers renvoyés). Relancez « python -m "
                          "kit init » ou créez-le.", folder)
    raw, lines = read_config_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"Configuration {path} : un dictionnaire de clés est attendu.", path)
    config, problems = check_config(raw, lines, folder)
    if problems:
        raise ConfigError(f"Configuration {path} : {len(problems)} problème(s) :\n- "
                          + "\n- ".join(problems), path)
    services = _services(config, data, path)
    return services, _expected(config, services, path)


def _received_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS
                  and not p.name.startswith(("~$", "."))) if folder.is_dir() else []


# --------------------------------------------------------------------------- tour de collecte
def _status(r: Received) -> str:
    if r.errors:
        return f"{TO_CORRECT} ({r.errors} problème{'s' if r.errors > 1 else ''})"
    return RECEIVED if r.warnings else VALID


def _feedback_names(files: list[Received]) -> dict[Path, str]:
    stems = [r.path.stem for r in files]
    return {r.path: (r.path.stem if stems.count(r.path.stem) == 1 else
                     r.path.name.replace(".", "_")) + "_a_corriger.xlsx" for r in files}


def _row(service: Service, document: str, expected: bool, **values: Any) -> dict[str, Any]:
    row = {"service": service.nom, "dossier": service.dossier, "document": document,
           "attendu": "oui" if expected else "non", "statut": MISSING, "erreurs": None,
           "remarques": None, "fichier": "", "version": "", "date du fichier": None,
           "retour": "", "remarque": ""}
    row.update(values)
    notes = [] if service.listed else ["dossier absent de la configuration (clé services)"]
    row["remarque"] = " ; ".join([*notes, row["remarque"]] if row["remarque"] else notes)
    return row


def _file_values(r: Received, retour: str = "") -> dict[str, Any]:
    return {"statut": _status(r), "erreurs": r.errors, "remarques": r.warnings,
            "fichier": r.path.name, "date du fichier": pd.Timestamp(r.modified),
            "version": r.version or ("inconnue (reconnu par ses colonnes)" if r.template else ""),
            "retour": retour}


def _service_rows(service: Service, files: list[Received], expected: dict[str, set],
                  feedback: dict[Path, Path], folder: Path) -> list[dict[str, Any]]:
    rows = []
    by_template: dict[str, list[Received]] = {}
    for r in files:
        if r.template:
            by_template.setdefault(r.template, []).append(r)
    for template in TEMPLATES:
        wanted = service.dossier in expected.get(template, ())
        found = sorted(by_template.get(template, []), key=lambda r: (r.modified, r.path.name))
        if not found:
            if wanted:
                where = folder / DATA_DIR / service.dossier
                rows.append(_row(service, template, True, remarque="" if where.is_dir() else
                                 f"dossier {DATA_DIR}/{service.dossier}/ absent"))
            continue
        last = found[-1]
        back = feedback.get(last.path)
        note = "" if wanted else "document non attendu de ce service"
        if last.warnings and not last.errors:
            checks = f"{last.warnings} point(s) à vérifier, voir le retour"
            note = " ; ".join(filter(None, [note, checks]))
        rows.append(_row(service, template, wanted, **_file_values(last, back.name if back
                                                                    else ""), remarque=note))
        for old in found[:-1]:
            rows.append(_row(service, template, False, **{
                **_file_values(old), "statut": REPLACED, "erreurs": None, "remarques": None},
                remarque=f"remplacé par {last.path.name}, plus récent"))
    for r in files:
        if r.template is None:
            rows.append(_row(service, "", False, statut=UNRECOGNISED, fichier=r.path.name,
                             remarque=r.reason, **{"date du fichier": pd.Timestamp(r.modified)}))
    return rows


def _write_feedback(chosen: list[Received], received: dict[str, list[Received]],
                    folder: Path) -> dict[Path, Path]:
    out: dict[Path, Path] = {}
    for slug, files in received.items():
        names = _feedback_names(files)
        for r in files:
            if r not in chosen or r.problems.empty:
                continue
            schema = load_schema(TEMPLATES[r.template])
            out[r.path] = write_feedback(r.path, r.problems,
                                         folder / FEEDBACK_DIR / slug / names[r.path],
                                         fields=schema["fields"], data_sheet=r.sheet)
    return out


def _remove_stale(folder: Path, services: list[Service], written: set[Path]) -> None:
    """Un fichier corrigé n'a plus de retour : l'ancien classeur « à corriger » est ôté."""
    for s in services:
        for old in (folder / FEEDBACK_DIR / s.dossier).glob("*_a_corriger.xlsx"):
            if old not in written and old.is_file():
                old.unlink()
                logger.info("Retour périmé supprimé : %s", old)


def run_collection(folder: str | Path, *, progress: bool = True) -> Collection:
    """Tour de collecte : lit les fichiers renvoyés par les services, écrit les retours et le
    tableau de suivi.

    Chaque fichier de ``donnees/<service>/`` (xlsx, xlsm, xls, ods, csv ; fichiers cachés et
    « ~$… » ignorés) est reconnu (modèle et version), le plus récent de chaque modèle est
    validé, et s'il a des problèmes un classeur de retour
    ``retours/<service>/<nom>_a_corriger.xlsx`` est écrit (copie annotée, feuille « À corriger » en premier). Les fichiers reçus ne sont
    jamais modifiés. Le suivi est écrit dans ``suivi_collecte.xlsx`` et ``suivi_collecte.csv``
    (point-virgule, UTF-8 avec BOM) ; relancer après l'arrivée d'un fichier corrigé met à
    jour les statuts et ôte les retours devenus sans objet.

    Parameters
    ----------
    folder
        Dossier de l'espace de travail (avec ``collectivite.yaml`` et ``donnees/``).
    progress
        Affiche une barre de progression (tqdm, sur la sortie d'erreur) ; rien d'autre n'est
        affiché.

    Returns
    -------
    Collection
        Suivi, problèmes, classeurs de retour écrits ; ``to_text()`` pour un résumé.

    Raises
    ------
    ConfigError
        Dossier absent, sans ``collectivite.yaml`` ou sans ``donnees/``, configuration
        incorrecte (dossier de service qui n'est pas un nom simple, ``collecte.attendus`` qui
        cite un modèle ou un service inconnu).
    KitError
        Classeur de retour ou de suivi impossible à écrire (ouvert dans un tableur).
    """
    folder = Path(folder).expanduser().resolve()
    services, expected = _read_workspace(folder)
    received, chosen = read_received(
        {s.dossier: _received_files(folder / DATA_DIR / s.dossier) for s in services}, progress)
    feedback = _write_feedback(chosen, received, folder)
    _remove_stale(folder, services, set(feedback.values()))
    rows, problems = [], []
    for s in services:
        rows += _service_rows(s, received[s.dossier], expected, feedback, folder)
        for r in received[s.dossier]:
            found = r.problems.assign(fichier=f"{s.dossier}/{r.path.name}")
            problems.append(found)
            if r.template is None:
                problems.append(problem(r.path, f"Fichier non reconnu : {r.reason}",
                                        code="non-reconnu") | {"fichier":
                                                               f"{s.dossier}/{r.path.name}"})
    for path in _received_files(folder / DATA_DIR):  # hors de tout dossier de service
        rows.append(_row(Service("—", ""), "", False, statut=UNRECOGNISED, fichier=path.name,
                         remarque=f"fichier rangé directement dans {DATA_DIR}/ : déplacez-le "
                                  f"dans le dossier du service qui l'a envoyé ({DATA_DIR}/"
                                  "<service>/) puis relancez la collecte"))
    suivi = pd.DataFrame(rows, columns=SUIVI_COLUMNS)
    for col in ("erreurs", "remarques"):
        suivi[col] = suivi[col].astype("Int64")
    suivi["date du fichier"] = pd.to_datetime(suivi["date du fichier"])
    result = Collection(folder, suivi, problems_frame(problems)[PROBLEM_COLUMNS],
                        sorted(feedback.values()))
    write_suivi(folder, suivi, result.problems, SUIVI_NAME)
    return result
