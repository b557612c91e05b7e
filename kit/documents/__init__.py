"""Documents de la méthode, rédigés pour la collectivité à partir de ses propres résultats.

La méthode demande à la collectivité d'écrire une charte de la donnée, des clauses données dans
ses contrats, un plan d'acculturation et de lancement, et une note d'organisation. Ce module les
génère en documents Word modifiables (python-docx), pré-remplis avec les résultats des étapes 1
(diagnostic) et 2 (priorisation) :

- ``charte_donnees.docx`` : principes, gouvernance, jeux par détenteur, jeux personnels ;
- ``clauses_donnees_<operateur>.docx`` : un par délégataire, prestataire ou partenaire ;
- ``plan_acculturation.docx`` : ateliers, participants, exemples, deux séances de lancement ;
- ``organisation.docx`` : trois modèles, relais des services, formation et recrutement.

Aucun document ne contient de donnée personnelle : les compétences sont agrégées par service,
les membres des groupes de travail sont désignés par leur fonction, et tout texte passe par
`kit.quality.mask_personal_fragments` (e-mails, téléphones, NIR, IBAN masqués).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit._paths import REPORTS_DIR
from kit.diagnostic import Diagnostic, run_diagnostic
from kit.documents._charter import write_charter
from kit.documents._clauses import write_all_clauses, write_clauses
from kit.documents._docx import DRAFT, clean
from kit.documents._facts import (
    contract_ends,
    holder_counts,
    lowest_services,
    operators,
    personal_datasets,
    relays,
    service_maturity,
    slug,
    suggest_model,
    training_needs,
    unanswered_services,
)
from kit.documents._organisation import MODELS, hiring_needs, write_organisation
from kit.documents._workshops import civil_society, write_workshops
from kit.priorisation import Prioritization, load_use_cases, run_prioritization
from kit.workspace import section_paths, split_ids

__all__ = [
    "DEFAULT_DIR", "DRAFT", "MODELS", "Documents", "civil_society", "clean", "contract_ends",
    "hiring_needs", "holder_counts", "lowest_services", "operators", "personal_datasets",
    "relays", "service_maturity", "slug", "suggest_model", "training_needs",
    "unanswered_services", "use_case_datasets", "write_all_clauses", "write_charter",
    "write_clauses", "write_documents", "write_organisation", "write_workshops",
]

#: Dossier par défaut des documents générés.
DEFAULT_DIR = REPORTS_DIR / "documents"


@dataclass
class Documents:
    """Fichiers écrits par `write_documents`."""

    charte: Path
    clauses: dict[str, Path]
    acculturation: Path
    organisation: Path
    diagnostic: Diagnostic = field(repr=False)
    priorisation: Prioritization | None = field(repr=False)

    def paths(self) -> list[Path]:
        """Tous les fichiers, dans l'ordre de la méthode."""
        return [self.charte, *self.clauses.values(), self.acculturation, self.organisation]


def use_case_datasets(config: dict[str, Any], prio: Prioritization | None) -> list[str]:
    """Identifiants des jeux cités par le cas d'usage choisi (fichier des cas d'usage)."""
    if prio is None or prio.choice is None:
        return []
    _, paths = section_paths(config, "priorisation", {"cas_usage": "fichier des cas d'usage"})
    cases, _ = load_use_cases(paths["cas_usage"])
    rows = cases[cases["code"] == prio.choice]
    return split_ids(rows["jeux_donnees"].iloc[0]) if len(rows) else []


def write_documents(config: dict[str, Any], output_dir: str | Path | None = None, *,
                    diag: Diagnostic | None = None, prio: Prioritization | None = None
                    ) -> Documents:
    """Refait les étapes 1 et 2 depuis la configuration et écrit les quatre documents.

    Parameters
    ----------
    config
        Configuration lue par `kit.workspace.load_config` (sections ``diagnostic`` et, si
        elle existe, ``priorisation`` ; ``documents.contrats`` facultatif : date de fin de
        contrat par opérateur).
    output_dir
        Dossier des documents (créé au besoin) ; ``reports/documents/`` par défaut.
    diag, prio
        Résultats déjà calculés, pour ne pas relire les fichiers.

    Returns
    -------
    Documents
        Les chemins écrits (``paths()`` les donne tous).

    Raises
    ------
    ConfigError
        Section ``diagnostic`` absente ou incomplète, chemin introuvable, date de contrat
        illisible.
    DataError
        Aucun jeu dans les inventaires ou aucune réponse aux questionnaires.
    """
    folder = Path(output_dir) if output_dir is not None else DEFAULT_DIR
    diag = diag if diag is not None else run_diagnostic(config)
    if prio is None and config.get("priorisation"):
        prio = run_prioritization(config, inventory=diag.inventory)
    name = str(config.get("nom") or diag.collectivite)
    ends = contract_ends(config, diag.inventory)
    return Documents(
        charte=write_charter(diag, config, folder / "charte_donnees.docx"),
        clauses=write_all_clauses(diag.inventory, name, folder, ends),
        acculturation=write_workshops(diag, prio, config, folder / "plan_acculturation.docx",
                                      use_case_datasets(config, prio)),
        organisation=write_organisation(diag, prio, config, folder / "organisation.docx"),
        diagnostic=diag, priorisation=prio)
