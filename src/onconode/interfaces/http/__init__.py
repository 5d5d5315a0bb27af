"""The HTTP interface: the node's FastAPI app, its pages, the REST API (api/) and the Beacon routes (beacon.py)."""
