"""Rosters (zhizhou duty weeks, zhiban holiday duty): who holds a time-bound cell each day.

`services` writes (append-only), `selectors` reads, `importer` takes an Excel file, `views`
serves /duties/rosters/.
"""
