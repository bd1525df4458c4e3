"""One dynamic partition per upload slot: ``<provider_id>|<extract_type>|<YYYY-MM>``.

One partitions definition per extract type, so each raw table asset only lists its own slots
(the key still carries the type, so a key alone names the slot everywhere: UI, CLI, logs).
"""

import dagster as dg

from schemas.codes import EXTRACT_TYPES

FILE_PARTITIONS = {t: dg.DynamicPartitionsDefinition(name=f"{t}_files") for t in EXTRACT_TYPES}
