"""Graphiques du kit : un seul style pour toutes les étapes.

- un thème plotly « kit » et un style matplotlib (`mpl_style`) aux couleurs du Système de
  design de l'État (DSFR), choisies pour rester distinctes pour les personnes daltoniennes ;
- les nombres et les dates à la française (1 234,5 ; 3 mars 2026) ;
- un titre qui énonce le constat, la source et la date sous chaque graphique (`add_source`),
  la collectivité mise en avant (`HIGHLIGHT`) quand elle est comparée (`OTHERS`) ;
- `show` pour afficher une figure qui reste dans le rapport HTML hors ligne, `save` pour
  l'écrire en PNG et SVG.

Les graphiques de chaque étape sont rangés dans des modules privés (`kit.charts._diagnostic`,
`kit.charts._priorisation`, `kit.charts._kpi`, `kit.charts._benchmark`) et réexportés ici : ``from kit import charts`` suffit.
"""

from __future__ import annotations

from kit.charts._base import *  # noqa: F401,F403
from kit.charts._base import __all__ as _base_all
from kit.charts._benchmark import *  # noqa: F401,F403
from kit.charts._benchmark import __all__ as _benchmark_all
from kit.charts._diagnostic import *  # noqa: F401,F403
from kit.charts._diagnostic import __all__ as _diagnostic_all
from kit.charts._kpi import *  # noqa: F401,F403
from kit.charts._kpi import __all__ as _kpi_all
from kit.charts._priorisation import *  # noqa: F401,F403
from kit.charts._priorisation import __all__ as _priorisation_all
from kit.charts._roadmap import *  # noqa: F401,F403
from kit.charts._roadmap import __all__ as _roadmap_all
from kit.charts._slides import *  # noqa: F401,F403
from kit.charts._slides import __all__ as _slides_all

__all__ = [*_base_all, *_benchmark_all, *_diagnostic_all, *_kpi_all, *_priorisation_all,
           *_roadmap_all, *_slides_all]
