# Runs on the VM (bash -s -- <agent|router> <scripts md5> <agent.zip md5>): the same steps as SysVmPatch's agent,
# with nothing beyond the essential checks.
set -e
KIND="$1" SIG="$2" AGENT_MD5="$3"
C=/var/cache/cloud B=/var/cache/cloud/floor-backup SYSVM=/usr/local/cloud/systemvm
cd "$C"
# checksum
echo "$SIG  cloud-scripts.tgz" | md5sum -c --quiet
[ "$KIND" != agent ] || echo "$AGENT_MD5  agent.zip" | md5sum -c --quiet
# back up what the patch replaces
rm -rf "$B"; mkdir -p "$B"
[ "$KIND" != agent ] || cp -a "$SYSVM" "$B/systemvm"
tar -tzf cloud-scripts.tgz | sed -e 's|^\./||' | grep -v '/$' > "$B/list"
(cd / && tar -cf "$B/scripts.tar" --ignore-failed-read -T "$B/list" 2>/dev/null) || true
cp -p cloud-scripts-signature "$B/"
# extract
if [ "$KIND" = agent ]; then
  rm -rf "$SYSVM.new"; mkdir -p "$SYSVM.new"
  unzip -q -o agent.zip -d "$SYSVM.new"
  cp -a "$B/systemvm/conf/." "$SYSVM.new/conf/"
  [ ! -d "$B/systemvm/certs" ] || cp -a "$B/systemvm/certs" "$SYSVM.new/"
  rm -rf "$SYSVM"; mv "$SYSVM.new" "$SYSVM"
fi
tar -xzf cloud-scripts.tgz -C /
echo "$SIG" > cloud-scripts-signature
# restart the enabled services that are active, then verify
svcs=""
for s in $(cat enabled_svcs); do systemctl is-active --quiet "$s" && svcs="$svcs $s"; done
for s in $svcs; do systemctl restart "$s"; done
for s in $svcs; do systemctl is-active --quiet "$s"; done
[ "$(cat cloud-scripts-signature)" = "$SIG" ]
