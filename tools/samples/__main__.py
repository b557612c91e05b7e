"""``python -m tools.samples [DEST]`` : régénère les données d'exemple de Clairval."""

from tools.samples import main

if __name__ == "__main__":
    raise SystemExit(main())
