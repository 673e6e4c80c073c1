"""Printed action cards (and, later, incident reports) rendered with WeasyPrint."""

import logging

# WeasyPrint logs every parsing and layout step at INFO, even while it is imported;
# set before any submodule imports it, so worker and command output stay readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
