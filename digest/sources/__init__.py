"""Where the paper comes in: one module per kind of input, all ending as the same articles.

- `textfile` / `textpage`: page text as a PDF-to-text tool leaves it (read, then split).
Every source hands the pipeline plain `Article`s (digest.models); tagging, summaries and storage
do not know where an article came from.
"""
