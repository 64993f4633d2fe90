#!/bin/sh
# Writes the jumio-bridge(1) man page, gzipped as Debian wants it: help2man over
# `jumio-bridge --help` and `--version`, plus every command's own --help (section COMMANDS) and
# the FILES, ENVIRONMENT and SEE ALSO sections below. Run at build time (cmake/ManPage.cmake).
# usage: packaging/manpage.sh BINARY OUTPUT.1.gz
set -eu
binary=$1
output=$2
include="$output.include"
page="$output.page"
trap 'rm -f "$include" "$page"' EXIT

# A command's --help as no-fill roff: backslashes, leading dots and apostrophes and minus signs
# escaped.
roff_verbatim() {
  sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

{
  echo '[COMMANDS]'
  for command in serve normalize consume check-config replay; do
    echo ".SS \"$command\""
    echo '.nf'
    "$binary" "$command" --help | roff_verbatim
    echo '.fi'
  done
  cat <<'ROFF'
[ENVIRONMENT]
.TP
.B JUMIO_BRIDGE_KAFKA_SASL_PASSWORD
(and any other
.BR sasl.* " or " ssl.*
librdkafka property, dots written as underscores) sets that Kafka property without writing the
secret into the config file.
.TP
.B CREDENTIALS_DIRECTORY
set by systemd's
.BR LoadCredential= ;
a file named after a property (\fIkafka.sasl.password\fR) sets it as well.
[FILES]
.TP
.I /etc/jumio\-bridge/config.yaml
the service's config (a conffile of the Debian package; check it with
.BR "jumio\-bridge check\-config \-\-config /etc/jumio\-bridge/config.yaml" ).
.TP
.I /etc/jumio\-bridge/env
optional environment file of the service, for secrets (mode 0600).
.TP
.I /etc/jumio\-bridge/credentials/
one file per Kafka secret, named after its property (\fIsasl.password\fR), handed to the service by
.BR LoadCredential= .
.TP
.I /var/lib/jumio\-bridge/
the spool: callbacks answered 200 that Kafka has not acknowledged yet.
.TP
.I /usr/lib/systemd/system/jumio\-bridge.service
the systemd unit.
.TP
.I /usr/share/jumio\-bridge/schemas/
JSON Schemas of the events and dead\-letter records.
[SEE ALSO]
The full documentation is in
.IR /usr/share/doc/jumio\-bridge :
.I README.md
and
.I docs/
(command line, configuration, HTTP, events and dead letters, replay, metrics).
.PP
.BR systemctl (1),
.BR systemd.service (5),
.BR journalctl (1)
ROFF
} >"$include"

help2man --no-info --section=1 \
  --name="receive Jumio identity-verification callbacks and publish them to Kafka" \
  --include="$include" --output="$page" "$binary"
gzip -9n <"$page" >"$output"
