"""The interfaces layer (DESIGN.md, layer 4): command line, HTTP (REST, pages, Beacon), the composition root."""
