"""Scripts qui produisent des données (exemples, grands tableaux, référentiel) : hors de la
bibliothèque `kit`."""

import os

# Mêmes octets que les fichiers livrés, que lxml soit installé ou non (voir kit/__init__.py).
os.environ.setdefault("OPENPYXL_LXML", "False")
