"""The epoch table that both training loops print when verbose."""

from __future__ import annotations

import sys

from skorch.callbacks import PrintLog


class EpochTable(PrintLog):
    """skorch's epoch table, its best values coloured only on a terminal."""

    def format_row(self, row, key, color):
        if not sys.stdout.isatty():
            row = {**row, f"{key}_best": False}
        return super().format_row(row, key, color)
