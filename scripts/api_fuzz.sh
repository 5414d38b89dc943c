#!/usr/bin/env bash
# schemathesis over every API operation, as manager and as cashier, against a live gunicorn on
# PostgreSQL with the demo data: 0 server errors and 0 responses outside the schema, or it fails.
# Bounded in time: FUZZ_SECONDS per identity (default 60). Run by .ci/run; locally `make fuzz`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
DB_NAME="${FUZZ_DB_NAME:-o2o_fuzz}"
SECONDS_PER_ROLE="${FUZZ_SECONDS:-60}"
PG=(psql -h 127.0.0.1 -U postgres -d postgres -q -v ON_ERROR_STOP=1)

"${PG[@]}" -c "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" -c "CREATE DATABASE ${DB_NAME}"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${DB_NAME}" DEBUG=0 DJANGO_ENV=development LOG_LEVEL=WARNING
unset CELERY_BROKER_URL REDIS_URL
$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo >/dev/null
token() {
  $PY manage.py shell -v0 -c "
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
print(Token.objects.get_or_create(user=get_user_model().objects.get(username='$1'))[0].key)" | tail -1
}
MANAGER_TOKEN="$(token manager)"
CASHIER_TOKEN="$(token cashier)"

PORT="$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
GUNICORN_BIND="127.0.0.1:${PORT}" .venv/bin/gunicorn -c o2o_site/gunicorn.conf.py --access-logfile /dev/null \
  o2o_site.wsgi &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -f "${SCHEMA:-}"' EXIT
# The workers load Django lazily, and a busy machine is slow: wait up to 3 minutes.
for _ in $(seq 1 360); do
  curl -fsS -m 5 "http://127.0.0.1:${PORT}/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
# The schema once, with time to spare (generating it takes seconds); both runs read the file.
SCHEMA="$(mktemp --suffix=.json)"
curl -fsS -m 300 -H "Authorization: Token ${MANAGER_TOKEN}" -o "$SCHEMA" \
  "http://127.0.0.1:${PORT}/api/v1/schema/?format=json"

status=0
for role in manager cashier; do
  [ "$role" = manager ] && key="$MANAGER_TOKEN" || key="$CASHIER_TOKEN"
  echo "schemathesis as ${role} (${SECONDS_PER_ROLE}s)"
  .venv/bin/schemathesis run "$SCHEMA" --url "http://127.0.0.1:${PORT}" --request-timeout 60 \
    -H "Authorization: Token ${key}" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing --max-examples 10 --workers 2 --seed 20261201 \
    --max-time "$SECONDS_PER_ROLE" --no-shrink --warnings off || status=1
done
exit "$status"
