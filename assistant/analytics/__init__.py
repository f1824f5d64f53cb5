"""Analytics: the events a conversation leaves (`kinds`), the queries over them (`queries`),
the report the console page and `assistant report` show (`report`), its statistics (`stats`),
and its renderings (`tables` for the terminal, `charts` for PNG files).

Importing this package loads nothing heavy: the turn path imports `kinds` only.
"""
