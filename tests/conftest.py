"""Réglages communs des tests."""

import os

# Avant tout import d'openpyxl par un module de test : mêmes octets que les modèles livrés, que
# lxml soit installé ou non (voir kit/__init__.py).
os.environ.setdefault("OPENPYXL_LXML", "False")
