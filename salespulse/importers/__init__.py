"""``salespulse import``: CSV exports to SalesPulse events through a YAML column mapping.

    mapping = load_mapping("uci_online_retail")          # packaged name, or a path
    with Importer(mapping, Path("online_retail.csv.gz")) as rows:
        for item in rows:                                # ImportedRow | RejectedRow
            ...

Pure Python: only ``command.send_to_kafka`` touches Kafka.
"""

from salespulse.importers.engine import Importer, import_rows
from salespulse.importers.loader import available_mappings, load_mapping, parse_mapping
from salespulse.importers.mapping import Mapping
from salespulse.importers.report import ImportReport
from salespulse.importers.results import ImportedRow, Outcome, RejectedRow

__all__ = [
    "ImportReport",
    "ImportedRow",
    "Importer",
    "Mapping",
    "Outcome",
    "RejectedRow",
    "available_mappings",
    "import_rows",
    "load_mapping",
    "parse_mapping",
]
