"""Prints the DATABASE_URL `make test` should use: the given one, else PostgreSQL on
127.0.0.1:5432 when it answers, else nothing (SQLite). Also says which, on stderr."""

import os
import sys

url = os.environ.get("DATABASE_URL", "")
if url:
    print(url)
    sys.exit(0)
candidate = os.environ.get("PG_TEST_URL", "postgres://postgres@127.0.0.1:5432/o2o")
try:
    import psycopg2

    psycopg2.connect(candidate.rsplit("/", 1)[0] + "/postgres", connect_timeout=2).close()
except Exception as exc:
    print(f"PostgreSQL does not answer ({exc.__class__.__name__}); tests run on SQLite.", file=sys.stderr)
    print("")
else:
    print(candidate)
