"""kit-territoires : charger, valider et analyser les données d'une collectivité.

API publique : `load_table`, `list_tables`, `validate`, `profile`, les formules d'indicateurs
(`parse_formula`, `compute_indicator`, `compute_indicators`, `register_indicator`) et les erreurs
`KitError`. Chaque étape de la méthode a sa pièce : `kit.diagnostic` (1), `kit.priorisation`
(2), `kit.kpi` (3), `kit.benchmark` (4), `kit.comite` (5) ; `kit.workspace` lit la configuration
d'une collectivité, `kit.templates` écrit les modèles à remplir, `kit.charts` dessine.

Agencement (ARCHITECTURE.md) : chaque pièce est atteinte par son ``__init__`` ; les imports vont
dans un seul sens — noyau (errors, _format, _parse, _paths, _cli) ← schemas, territories,
formulas, report ← io, validation ← quality, templates ← workspace ← étapes (jamais entre elles)
← comite ← charts ← ligne de commande. `lint-imports` (contrat dans pyproject.toml) et
tests/test_architecture.py le vérifient à chaque `make test`.
"""

from __future__ import annotations

import os

# openpyxl écrit le XML des classeurs avec lxml quand il est installé (python-docx l'amène), et
# avec la bibliothèque standard sinon : les octets diffèrent. Les modèles et les exemples sont
# comparés à l'octet près, donc le kit choisit toujours la bibliothèque standard (avant le
# premier import d'openpyxl ; une valeur déjà donnée par l'utilisateur est respectée).
os.environ.setdefault("OPENPYXL_LXML", "False")

from kit.errors import (
    ConfigError,
    ConfigWarning,
    CorruptFileError,
    DataError,
    EmptyFileError,
    EncryptedFileError,
    FileFormatError,
    HeaderNotFoundError,
    KitError,
    KitWarning,
    ReadingDoubtWarning,
    SchemaError,
    SheetNotFoundError,
    UnsafeFileError,
)
from kit.formulas import (
    FormulaError,
    compute_indicator,
    compute_indicators,
    parse_formula,
    register_indicator,
)
from kit.io import Reading, describe_reading, list_tables, load_table
from kit.quality import Profile, profile
from kit.schemas import list_schemas, load_schema
from kit.validation import Report, validate

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ConfigWarning",
    "CorruptFileError",
    "DataError",
    "EmptyFileError",
    "EncryptedFileError",
    "FileFormatError",
    "FormulaError",
    "HeaderNotFoundError",
    "KitError",
    "KitWarning",
    "Profile",
    "Reading",
    "ReadingDoubtWarning",
    "Report",
    "SchemaError",
    "SheetNotFoundError",
    "UnsafeFileError",
    "compute_indicator",
    "compute_indicators",
    "describe_reading",
    "list_schemas",
    "list_tables",
    "load_schema",
    "load_table",
    "parse_formula",
    "profile",
    "register_indicator",
    "validate",
]
