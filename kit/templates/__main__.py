"""``python -m kit.templates [DOSSIER]`` : régénère les modèles à remplir."""

from kit.templates import main

if __name__ == "__main__":
    raise SystemExit(main())
