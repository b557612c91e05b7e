"""Erreurs du kit : une classe de base `KitError`, une sous-classe par sorte de problème.

Chaque message dit, en français, ce qui ne va pas, dans quel fichier, et quoi faire.
"""

from __future__ import annotations

from pathlib import Path


class KitError(Exception):
    """Erreur du kit, avec un message en français destiné à l'utilisateur."""

    def __init__(self, message: str, fichier: str | Path | None = None) -> None:
        self.fichier = str(fichier) if fichier is not None else None
        super().__init__(message)


class FileFormatError(KitError):
    """Format de fichier non pris en charge (extension ou contenu inattendu)."""


class CorruptFileError(KitError):
    """Fichier abîmé ou tronqué : il ne peut pas être lu."""


class EmptyFileError(KitError):
    """Fichier vide, ou sans aucune ligne de données."""


class EncryptedFileError(KitError):
    """Classeur protégé par un mot de passe."""


class UnsafeFileError(KitError):
    """Fichier dangereux : bombe zip, entités XML, taille démesurée."""


class SheetNotFoundError(KitError, KeyError):
    """La feuille demandée n'existe pas dans le classeur."""

    def __str__(self) -> str:  # KeyError mettrait le message entre guillemets
        return str(self.args[0]) if self.args else ""


class HeaderNotFoundError(KitError):
    """Aucune ligne d'en-tête reconnaissable dans la feuille."""


class SchemaError(KitError):
    """Schéma (Table Schema) introuvable ou mal formé."""


class DataError(KitError, ValueError):
    """Données présentes mais inexploitables telles quelles."""


class ConfigError(KitError):
    """Fichier de configuration de la collectivité incorrect."""


class KitWarning(UserWarning):
    """Avertissement du kit (message en français) : rien n'est arrêté, mais à lire."""


class ConfigWarning(KitWarning):
    """Configuration lisible mais douteuse : clé inconnue (faute de frappe ?), ancien code."""


class BenchmarkWarning(KitWarning):
    """Avertissement de la comparaison entre territoires (message en français)."""


class SmallGroupWarning(BenchmarkWarning):
    """Groupe de comparaison trop petit pour que rangs et percentiles aient du sens."""


class ReadingDoubtWarning(KitWarning):
    """Doute de lecture d'un tableur : en-tête ambigu, total qui ne s'additionne pas, colonne de
    nombres contenant du texte, lignes rejetées… Le tableau est rendu, mais à vérifier."""
