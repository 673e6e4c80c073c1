"""Printed action cards (the bundle and the scenario cards), rendered by ``printing``."""
