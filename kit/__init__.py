"""kit-territoires : charger, valider et analyser les données d'une collectivité.

API publique : `load_table`, `list_tables`, `validate`, `profile`, et les erreurs `KitError`.
"""

from __future__ import annotations

from kit.errors import (
    ConfigError,
    CorruptFileError,
    DataError,
    EmptyFileError,
    EncryptedFileError,
    FileFormatError,
    HeaderNotFoundError,
    KitError,
    SchemaError,
    SheetNotFoundError,
    UnsafeFileError,
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
    "HeaderNotFoundError",
    "KitError",
    "Profile",
    "Report",
    "SchemaError",
    "SheetNotFoundError",
    "UnsafeFileError",
    "list_schemas",
    "list_tables",
    "load_schema",
    "load_table",
    "profile",
    "validate",
]
