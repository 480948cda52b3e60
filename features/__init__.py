"""Use-case slices; each folder is one route, discovered by main.create_app."""
