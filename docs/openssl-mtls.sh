#!/bin/bash
# testssl.sh 3.0 cannot present a client certificate; the gateway requires one at the handshake.
# This wrapper adds the development identity to every s_client call testssl makes.
if [ "$1" = "s_client" ]; then
  shift
  exec /usr/bin/openssl s_client -cert "$MTLS_CERT" -key "$MTLS_KEY" "$@"
fi
exec /usr/bin/openssl "$@"
