"""Une collectivité réelle, du premier jour au rapport : créer son espace de travail
(``python -m kit init``) et savoir quelles étapes peuvent tourner (``python -m kit rapport``).

Pièce au niveau du comité : elle lit le référentiel, les modèles et les strates de l'étape 4.
"""

from __future__ import annotations

from kit.project._create import (
    DEFAULT_SERVICES,
    Workspace,
    create_workspace,
    slug,
    update_workspace,
)
from kit.project._plan import NOTEBOOKS, Step, plan_steps
from kit.project._report import ReportSet, run_report

__all__ = ["DEFAULT_SERVICES", "NOTEBOOKS", "ReportSet", "Step", "Workspace", "create_workspace",
           "plan_steps", "run_report", "slug", "update_workspace"]
