"""Statistical disclosure control of the public release (docs/indicators.md, "Publication", v2).

- ``keys``: the per-data-folder secret and the record keys (first byte of HMAC-SHA256).
- ``ptable``: the perturbation table (ONS `cell-key-perturbation` format ``pcv, ckey, pvalue``,
  ``ptable.csv`` beside this file) and the perturbation of counts, rates and durations.
- ``release``: the public CSV release ``exports/public/<C>/`` written from the marts (true
  counts + cell keys), never from the exact exports.
- ``audit``: the disclosure audit of a written release, including the differencing attack.
"""
