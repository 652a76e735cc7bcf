#!/bin/sh
# busybox udhcpc's hook: applies a lease to the interface. udhcpc passes the event as $1 and the lease
# in the environment: $ip, $mask (prefix length), $broadcast, $router, $dns, $domain (RFC 2132 options).
# shellcheck disable=SC2154 # $interface and $ip come from udhcpc
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound | renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
    if [ -n "${router:-}" ]; then
      while ip route del default 2>/dev/null; do :; done
      for r in $router; do ip route add default via "$r" dev "$interface" && break; done
    fi
    {
      [ -n "${domain:-}" ] && echo "search $domain"
      for d in ${dns:-}; do echo "nameserver $d"; done
    } >/etc/resolv.conf
    echo "$ip" >/run/udhcpc.ip
    ;;
esac
exit 0
