"""The bundled venue connectors, one package each; each imports the venue contract from ``tradesys.venue``."""
