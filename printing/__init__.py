"""Printed documents: the WeasyPrint engine, its fonts and base stylesheet, atomic files."""

import logging

# WeasyPrint logs every parsing and layout step at INFO, even while it is imported;
# set before any submodule imports it, so worker and command output stay readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
