"""kit-territoires : charger, valider et analyser les données d'une collectivité.

API publique : `load_table`, `list_tables`, `validate`, `profile`, les formules d'indicateurs
(`parse_formula`, `compute_indicator`, `compute_indicators`, `register_indicator`) et les erreurs
`KitError`. Les étapes ont leur module : `kit.diagnostic` (étape 1), `kit.kpi` (étape 3),
`kit.benchmark` (étape 4), `kit.templates` (modèles à remplir), `kit.charts` (graphiques).
"""

from __future__ import annotations

from kit._reading import Reading, describe_reading
from kit.errors import (
    ConfigError,
    CorruptFileError,
    DataError,
    EmptyFileError,
    EncryptedFileError,
    FileFormatError,
    HeaderNotFoundError,
    KitError,
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
from kit.io import list_tables, load_table
from kit.quality import Profile, profile
from kit.schemas import list_schemas, load_schema
from kit.validation import Report, validate

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "CorruptFileError",
    "DataError",
    "EmptyFileError",
    "EncryptedFileError",
    "FileFormatError",
    "FormulaError",
    "HeaderNotFoundError",
    "KitError",
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
