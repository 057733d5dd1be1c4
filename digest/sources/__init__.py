"""Where the paper comes in: one module per kind of input, all ending as the same articles.

- `textfile` / `textpage`: page text as a PDF-to-text tool leaves it (read, then split).
- `founder` / `feed`: Founder e-paper sites and RSS/Atom feeds, read through `webfetch` (the polite
  HTTP client) as configured in `config` (config/sources.toml); `digest.fetch` stores what they read.
Every source hands the pipeline plain `Article`s (digest.models); tagging, summaries and storage
do not know where an article came from.
"""
