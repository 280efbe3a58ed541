"""fasim-beyond (python3 -m tools.fasim_post.beyond): the experiments beyond the paper that issue 15 asks for —
the family of feedback rules (rules.py, when present) and the implicit regularization of FA in over-parameterized
matrix completion (completion.py) — run with fasim and written up in docs/beyond.md.

Each section module has RUNS, a list of (label, job path, overrides) — a job with a [sweep] section is run with
`fasim sweep run`, any other with `fasim run` — and section(results, figdir) -> str, the Markdown of its part of
the report, given {label: Path of the run's result file, or of the sweep's directory}. The runs go through the
reproduction's launcher (tools/fasim_post/reproduce/launch.py): a private copy of build/bin/fasim, nice'd,
1-rank runs side by side.
"""
