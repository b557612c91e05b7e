"""Ligne de commande en français : un `argparse.ArgumentParser` dont l'aide et les messages
d'usage sont traduits, partagé par ``python -m kit`` et ``python -m kit.templates``.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["FrenchParser"]


class _FrenchFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups,
                          "utilisation : " if prefix is None else prefix)


class FrenchParser(argparse.ArgumentParser):
    """`ArgumentParser` dont l'aide et les messages d'usage sont en français."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", _FrenchFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        message = (message.replace("the following arguments are required",
                                   "arguments obligatoires manquants")
                   .replace("unrecognized arguments", "arguments inconnus")
                   .replace("invalid choice", "choix invalide")
                   .replace("expected one argument", "une valeur est attendue"))
        self.exit(2, f"{self.prog} : erreur : {message}\n")
