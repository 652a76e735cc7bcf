#!/usr/bin/env bash
# Builds the Monorail discovery microkernel: `vmlinuz` (Debian's linux-image-amd64 kernel) and
# `initrd.gz` (busybox-static userland, the inventory tools with the libraries they load, a few NIC,
# disk and IPMI modules, /init and the task agent). Everything comes from Debian's archive through
# `apt-get download` and `dpkg-deb -x`; nothing is installed on the host, and nothing from the host
# goes into the image (libraries are resolved inside the unpacked packages, and a library that only
# the host has is an error).
#
# The image is cached under a key that hashes the build inputs (the files in this directory, the
# package versions apt resolves today and the module list), so a build only happens when one of them
# changed; the downloaded .debs are kept too, so changing only the agent rebuilds in ~10 s. Builds
# hold a lock, so concurrent callers wait for one build and then share it. The last line on stdout is
# the directory holding vmlinuz, initrd.gz and manifest.txt; progress goes to stderr.
#
# Usage: microkernel/build.sh [--out DIR] [--force] [--print-key]
#   --out DIR    also copy the image into DIR (say, the HTTP static root) and print DIR
#   --force      build even if the image is cached
#   --print-key  print the key of the current inputs and stop (no download, no build)
# Environment: MONORAIL_MICROKERNEL_CACHE (cache root, default ${XDG_CACHE_HOME:-$HOME/.cache}/monorail/microkernel),
#   MONORAIL_MICROKERNEL_MODULES (kernel modules to include, space-separated; dependencies are added).
# Needs: bash, apt-get/apt-cache (with Debian bookworm amd64 lists), dpkg-deb, flock, gzip, coreutils.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[microkernel] %s\n' "$*" >&2; }
fail() {
  log "error: $*"
  exit 1
}
trap 'fail "line $LINENO: \`$BASH_COMMAND\` failed"' ERR

args=("$@")
out=
force=
print_key=
while (($#)); do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --force) force=1; shift ;;
    --print-key) print_key=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
    *) fail "unknown argument: $1 (try --help)" ;;
  esac
done

for tool in apt-get apt-cache dpkg-deb flock gzip sha256sum find; do
  command -v "$tool" >/dev/null || fail "$tool is missing; this script needs a Debian host with apt and dpkg"
done
[ "$(dpkg --print-architecture 2>/dev/null || echo unknown)" = amd64 ] || fail "the microkernel is amd64; build it on an amd64 Debian host"

cache=${MONORAIL_MICROKERNEL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/monorail/microkernel}
mkdir -p "$cache/debs"

# The inventory tools RackHD's discovery runs (rackhd.md §3.5), plus lsblk and ip for block devices and
# addresses, and dash: the agent runs task commands with it, as Node's exec ran them with Debian's
# /bin/sh, because busybox sh runs its own applet for any name it has (its `ip` would shadow iproute2's).
tools=(dmidecode lshw lspci ipmitool smartctl ethtool lsblk ip dash)
tool_packages=(busybox-static libc6 dash dmidecode lshw pciutils pci.ids ipmitool smartmontools ethtool util-linux iproute2)
# NICs (QEMU's e1000 and virtio-net, and the common server NICs), disks, and the in-band BMC interface
# that `ipmitool` without -H uses. init loads what matches the hardware (modalias), so extra ones cost only size.
read -ra modules <<<"${MONORAIL_MICROKERNEL_MODULES:-e1000 e1000e igb ixgbe i40e tg3 bnxt_en virtio_net virtio_pci virtio_blk virtio_scsi sd_mod ahci nvme ipmi_si ipmi_devintf}"

apt_lists_hint="run \`apt-get update\` (as root) and try again"

# --- Resolve the packages and their versions (no network) ------------------------------------------
# apt-cache takes about half a second per call here (no pkgcache.bin), so the result is kept per state
# of apt's lists and configuration: a cached build then costs no apt call at all.
mkdir -p "$cache/resolved"
lists_state=$(
  {
    printf '%s\n' "${tool_packages[@]}"
    find /var/lib/apt/lists /etc/apt -maxdepth 2 -type f \( -name '*Packages*' -o -name '*Release' -o -name '*.list' \
      -o -name '*.sources' -o -name 'preferences*' -o -path '*/preferences.d/*' \) -printf '%p %s %T@\n' 2>/dev/null | LC_ALL=C sort
  } | sha256sum | cut -c 1-16
)
resolved=$cache/resolved/$lists_state
if [ ! -s "$resolved" ]; then
  kernel_package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ && !k { k = $2 } END { print k }')
  [ -n "$kernel_package" ] || fail "apt knows no linux-image-amd64; $apt_lists_hint"
  # Shared libraries live in packages named lib* (and zlib1g): follow Depends/Pre-Depends into those
  # only (other dependencies, such as debconf or perl-base, hold no library the tools load; a library
  # missed here stops the build below rather than being taken from the host).
  declare -A seen=()
  queue=()
  for p in "${tool_packages[@]}"; do seen[$p]=1; queue+=("$p"); done
  while ((${#queue[@]})); do
    next=()
    while read -r dep; do
      [ -n "${seen[$dep]:-}" ] && continue
      seen[$dep]=1
      next+=("$dep")
    done < <(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "${queue[@]}" 2>/dev/null |
      awk '$1 ~ /^\|?(Pre)?Depends:$/ && $2 ~ /^(lib|zlib)/ { print $2 }' | sort -u)
    queue=("${next[@]+"${next[@]}"}")
  done
  # The candidate version of each (what apt-get download fetches), with its architecture.
  apt-cache show --no-all-versions "$kernel_package" "${!seen[@]}" 2>/dev/null |
    awk '/^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Architecture:/ { a = $2 } /^$/ && p { print p, v, a; p = "" } END { if (p) print p, v, a }' |
    LC_ALL=C sort -u >"$resolved.$$"
  for p in "$kernel_package" "${!seen[@]}"; do
    grep -q "^$p " "$resolved.$$" || fail "apt has no installable version of $p; $apt_lists_hint"
  done
  mv "$resolved.$$" "$resolved"
fi

declare -A version=() deb_file=()
packages=()
kernel_package=
while read -r p v arch; do
  packages+=("$p")
  version[$p]=$v
  # apt-get download's file name: the epoch's colon is written %3a.
  deb_file[$p]="${p}_${v//:/%3a}_${arch}.deb"
  case "$p" in linux-image-[0-9]*) kernel_package=$p ;; esac
done <"$resolved"
[ -n "$kernel_package" ] || fail "no kernel package in $resolved"
kernel_version=${kernel_package#linux-image-}


key=$(
  {
    for f in build.sh init agent.sh udhcpc.sh; do printf '%s\n' "$f"; cat "$here/$f"; done
    for p in "${packages[@]}"; do printf '%s=%s\n' "$p" "${version[$p]}"; done
    printf 'modules=%s\n' "${modules[*]}"
  } | sha256sum | cut -c 1-16
)
if [ -n "$print_key" ]; then
  printf '%s\n' "$key"
  exit 0
fi
image=$cache/$key
# Marks a complete image and names its inputs; hidden, as --out may point into a served directory.
keyfile=.microkernel-key

# Copies the cached image into --out's directory, which the caller owns and which may hold other
# files: each file replaced by rename, the key file last since it is what marks the image complete.
publish() {
  if [ -n "$out" ] && [ "$(cat "$out/$keyfile" 2>/dev/null)" != "$key" ]; then
    mkdir -p "$out"
    rm -f "$out/$keyfile"
    for f in vmlinuz initrd.gz manifest.txt "$keyfile"; do
      cp "$image/$f" "$out/.$f.tmp"
      mv "$out/.$f.tmp" "$out/$f"
    done
    log "copied to $out"
  fi
  printf '%s\n' "${out:-$image}"
}

if [ -z "$force" ] && [ "$(cat "$image/$keyfile" 2>/dev/null)" = "$key" ]; then
  log "cached: $image"
  publish
  exit 0
fi

exec 9>"$cache/.lock"
if ! flock -n 9; then
  log "waiting for another build to finish"
  flock 9
fi
# Someone else may have built it while this one waited.
if [ -z "$force" ] && [ "$(cat "$image/$keyfile" 2>/dev/null)" = "$key" ]; then
  log "cached: $image"
  publish
  exit 0
fi

started=$(date +%s.%N)
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "building $key (kernel $kernel_version, ${#packages[@]} packages) in $work"

# --- Download (verified by apt against the signed lists) and unpack -----------------------------------
missing=()
for p in "${packages[@]}"; do [ -s "$cache/debs/${deb_file[$p]}" ] || missing+=("$p=${version[$p]}"); done
if ((${#missing[@]})); then
  log "downloading ${#missing[@]} packages"
  mkdir "$work/download"
  sandbox=()
  # As root, apt drops to the _apt user, which cannot write into a private directory.
  [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
  if ! (cd "$work/download" && apt-get "${sandbox[@]}" -q download "${missing[@]}" >&2); then
    if [ "$(id -u)" -eq 0 ] && [ -z "${MONORAIL_MICROKERNEL_UPDATED:-}" ]; then
      log "download failed; refreshing the package lists once and starting again"
      apt-get -q update >&2 || fail "apt-get update failed"
      rm -rf "$work"
      exec 9>&-
      MONORAIL_MICROKERNEL_UPDATED=1 exec "$0" "${args[@]+"${args[@]}"}"
    fi
    fail "apt-get download failed; the package lists may be stale: $apt_lists_hint"
  fi
  # Moved in only once complete, so an interrupted download never looks like a cached .deb.
  for f in "$work/download"/*.deb; do mv "$f" "$cache/debs/"; done
fi
root=$work/root
mkdir -p "$root"
unpack() {
  [ -s "$cache/debs/${deb_file[$1]}" ] || fail "expected $cache/debs/${deb_file[$1]} after the download"
  dpkg-deb -x "$cache/debs/${deb_file[$1]}" "$root"
}

# --- Kernel modules, with their dependencies (read from each module's .modinfo) -----------------------
# The kernel comes first so that a wrong module name fails before the rest is unpacked.
unpack "$kernel_package"
moddir=lib/modules/$kernel_version
[ -d "$root/$moddir" ] || fail "$kernel_package did not contain /$moddir"
declare -A modfile=()
while read -r f; do
  n=${f##*/}
  n=${n%.ko}
  modfile[${n//-/_}]=${f#"$root/$moddir/"}
done < <(find "$root/$moddir/kernel" -name '*.ko')
declare -A modseen=()
modpaths=()
modqueue=()
for m in "${modules[@]}"; do modqueue+=("${m//-/_}"); done
while ((${#modqueue[@]})); do
  m=${modqueue[0]}
  modqueue=("${modqueue[@]:1}")
  [ -n "${modseen[$m]:-}" ] && continue
  modseen[$m]=1
  rel=${modfile[$m]:-}
  if [ -z "$rel" ]; then
    # Built into this kernel: nothing to load.
    grep -Eq "/${m//_/[-_]}\.ko\$" "$root/$moddir/modules.builtin" && continue
    fail "kernel module $m is not in $kernel_package"
  fi
  modpaths+=("$rel")
  deps=$(tr '\000' '\n' <"$root/$moddir/$rel" | sed -n 's/^depends=//p' | head -n 1)
  for d in ${deps//,/ }; do modqueue+=("${d//-/_}"); done
done

for p in "${packages[@]}"; do [ "$p" = "$kernel_package" ] || unpack "$p"; done
log "unpacked"
busybox=$root/bin/busybox
[ -x "$busybox" ] || busybox=$root/usr/bin/busybox
[ -x "$busybox" ] || fail "busybox-static did not contain bin/busybox"
loader=$(find "$root/lib" "$root/usr/lib" -name 'ld-linux-x86-64.so.2' -type f 2>/dev/null | head -n 1)
[ -n "$loader" ] || fail "libc6 did not contain ld-linux-x86-64.so.2"

# --- Lay out the initramfs (merged /usr, as Debian) ---------------------------------------------------
img=$work/initrd
mkdir -p "$img"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,usr/share/misc,usr/share/hwdata,usr/share/udhcpc,etc,dev,proc,sys,tmp,run,root,var/log}
ln -s usr/bin "$img/bin"
ln -s usr/sbin "$img/sbin"
ln -s usr/lib "$img/lib"
ln -s usr/lib64 "$img/lib64"
chmod 1777 "$img/tmp"

cp "$busybox" "$img/usr/bin/busybox"
while read -r applet; do
  name=${applet##*/}
  case "$name" in busybox | linuxrc | init) continue ;; esac
  dir=usr/bin
  case "$applet" in sbin/* | usr/sbin/*) dir=usr/sbin ;; esac
  ln -sf /usr/bin/busybox "$img/$dir/$name"
done < <("$busybox" --list-full)

libpath="$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu"
declare -A libs=()
for t in "${tools[@]}"; do
  src=
  for d in usr/sbin usr/bin sbin bin; do
    if [ -f "$root/$d/$t" ] && [ ! -L "$root/$d/$t" ]; then src=$root/$d/$t; break; fi
  done
  [ -n "$src" ] || fail "no $t in the unpacked packages"
  dest=usr/bin
  case "$src" in */sbin/*) dest=usr/sbin ;; esac
  rm -f "$img/usr/bin/$t" "$img/usr/sbin/$t"
  cp "$src" "$img/$dest/$t"
  # The packages' own loader lists what the tool loads, looking only in the unpacked packages.
  listing=$("$loader" --inhibit-cache --library-path "$libpath" --list "$src") || fail "cannot list the libraries of $t"
  if grep -q 'not found' <<<"$listing"; then
    fail "$t needs libraries no unpacked package provides: $(grep 'not found' <<<"$listing" | awk '{print $1}' | tr '\n' ' ')"
  fi
  while read -r lib; do
    case "$lib" in "$root"/*) ;; *) fail "$t loads $lib from the host, not from a Debian package in this build" ;; esac
    libs[$lib]=1
  done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 }' <<<"$listing")
done
for lib in "${!libs[@]}"; do cp -L "$lib" "$img/usr/lib/x86_64-linux-gnu/${lib##*/}"; done
cp -L "$loader" "$img/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$img/usr/lib64/ld-linux-x86-64.so.2"

# Data the tools read: PCI names (lspci; lshw looks in hwdata), smartctl's drive database, ip's tables.
cp "$root/usr/share/misc/pci.ids" "$img/usr/share/misc/pci.ids"
ln -s ../misc/pci.ids "$img/usr/share/hwdata/pci.ids"
if [ -d "$root/usr/share/smartmontools" ]; then cp -r "$root/usr/share/smartmontools" "$img/usr/share/"; fi
if [ -d "$root/usr/share/iproute2" ]; then cp -r "$root/usr/share/iproute2" "$img/usr/share/"; fi

for rel in "${modpaths[@]}"; do
  mkdir -p "$img/usr/$moddir/${rel%/*}"
  cp "$root/$moddir/$rel" "$img/usr/$moddir/$rel"
done
cp "$root/$moddir/modules.builtin" "$root/$moddir/modules.order" "$img/usr/$moddir/"
if [ -f "$root/$moddir/modules.builtin.modinfo" ]; then cp "$root/$moddir/modules.builtin.modinfo" "$img/usr/$moddir/"; fi
# modules.dep and modules.alias, so init's `modprobe` can load by device alias (coldplug).
"$busybox" depmod -b "$img/usr" "$kernel_version"
[ -s "$img/usr/$moddir/modules.alias" ] || fail "depmod wrote no modules.alias"

# --- Init, agent, configuration ---------------------------------------------------------------------
install -m 0755 "$here/init" "$img/init"
install -m 0755 "$here/agent.sh" "$img/usr/bin/monorail-agent"
install -m 0755 "$here/udhcpc.sh" "$img/usr/share/udhcpc/default.script"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$img/etc/passwd"
printf 'root:x:0:\n' >"$img/etc/group"
printf 'microkernel\n' >"$img/etc/hostname"
: >"$img/etc/resolv.conf"
{
  printf 'key=%s\nkernel=%s\nmodules=%s\n' "$key" "$kernel_version" "${!modseen[*]}"
  for p in "${packages[@]}"; do printf 'package=%s=%s\n' "$p" "${version[$p]}"; done
} >"$img/etc/monorail-microkernel"

log "laid out the initramfs ($(du -sm "$img" | cut -f 1) MB)"
# --- Pack ------------------------------------------------------------------------------------------
stage=$work/out
mkdir -p "$stage"
cp "$root/boot/vmlinuz-$kernel_version" "$stage/vmlinuz"
(cd "$img" && find . -mindepth 1 | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -6n >"$stage/initrd.gz"
elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
{
  cat "$img/etc/monorail-microkernel"
  printf 'vmlinuz_bytes=%s\ninitrd_bytes=%s\ninitrd_unpacked_bytes=%s\nbuild_seconds=%s\n' \
    "$(stat -c %s "$stage/vmlinuz")" "$(stat -c %s "$stage/initrd.gz")" "$(du -sb "$img" | cut -f 1)" "$elapsed"
} >"$stage/manifest.txt"
printf '%s\n' "$key" >"$stage/$keyfile"

# The cache entry is swapped in whole: readers see no image or a complete one.
if [ -e "$image" ]; then mv "$image" "$work/previous"; fi
mv "$stage" "$image"

# Keep only the .debs this build used: a kernel update must not leave the old 70 MB .deb behind.
declare -A used=()
for p in "${packages[@]}"; do used[${deb_file[$p]}]=1; done
for f in "$cache/debs"/*.deb; do
  [ -e "$f" ] || continue
  [ -n "${used[${f##*/}]:-}" ] || rm -f "$f"
done

# Keep the three newest cached images (older ones only matter to a checkout that is that old).
find "$cache" -mindepth 1 -maxdepth 1 -type d -name '[0-9a-f]*' -printf '%T@ %p\n' | sort -rn | tail -n +4 |
  while read -r _ dir; do rm -rf "$dir"; done

log "built in ${elapsed}s: vmlinuz $(stat -c %s "$image/vmlinuz") bytes, initrd.gz $(stat -c %s "$image/initrd.gz") bytes"
publish
