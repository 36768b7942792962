#!/bin/bash
error=0
for i in `seq 1 3`
do
echo "GET /rpc/healthcheck.htm" | openssl s_client -connect $1:443 -crlf -quiet 2>/dev/null | grep "200 OK" || let error=$error+1
done
[ $error -lt 3 ] && exit 0 || exit 1
