"""Finance: budget lines of funded projects, their coding, and exports a finance office loads.

- ``selectors``: budget lines (cash beside in-kind, never netted), totals, the disclosure of
  contributed non-financial assets (FASB ASU 2020-07 style).
- ``services``: setting fund and codes (logged), asking for, writing and downloading
  exports (one download, by the person who asked, within a day; all audited).
- ``formats``: the CSV, XLSX and Fiscal Data Package writers, streaming in batches.
"""
