#!/bin/sh
# A dump of canhgac's PostgreSQL store (docs/deploy.md, "Backups"), run by canhgac-backup.service.
# Reads CANHGAC_DATABASE_URL, CANHGAC_BACKUP_DIR (default /var/backups/canhgac) and
# CANHGAC_BACKUP_DAYS (default 14: dumps older than that are removed after a good one is made).
# A dump is written beside its final name and renamed only once pg_restore can read it back, so
# a half-written or unreadable dump never replaces a good one nor lets the old ones be removed.
set -eu
: "${CANHGAC_DATABASE_URL:?CANHGAC_DATABASE_URL is not set}"
dir="${CANHGAC_BACKUP_DIR:-/var/backups/canhgac}"
days="${CANHGAC_BACKUP_DAYS:-14}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$dir/canhgac-$stamp.dump"
partial="$final.partial"
umask 077
mkdir -p "$dir"
trap 'rm -f "$partial"' EXIT
pg_dump --dbname="$CANHGAC_DATABASE_URL" --format=custom --compress=6 --no-owner --file="$partial"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$final"
find "$dir" -maxdepth 1 -name 'canhgac-*.dump' -mtime "+$days" -delete
echo "canhgac backup: $final ($(du -h "$final" | cut -f1))"
