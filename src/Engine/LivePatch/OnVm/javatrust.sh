# SysVmPatch trust store and JRE (appended to the on-VM agent, OnVm/agent.sh, SSVM/CPVM only): adds the bundle's CA
# certificates ($STAGE/cacert-*.crt) to the system trust (update-ca-certificates) and to the JRE's cacerts keystore,
# and replaces the JRE the agent runs on with $STAGE/jre.tar.gz. The VM's own keystore ($SYSVM/conf/cloud.jks) is
# never read or written here. Backup: the trust folders and the JRE, each whole (tar), before anything changes.

CA_DIR=usr/local/share/ca-certificates/sysvmpatch
TRUST_PATHS="etc/ssl/certs usr/local/share/ca-certificates"
STOREPASS=changeit   # the public cacerts keystore's password on Debian and in every OpenJDK build

has_certs() { local f; for f in "$STAGE"/cacert-*.crt; do [ -f "$f" ] && return 0; done; return 1; }
has_jre() { [ -f "$STAGE/jre.tar.gz" ]; }
has_java_extras() { is_agent_vm && { has_certs || has_jre; }; }

# The JRE the agent runs on: where `java` on PATH resolves to (the cloud service's _run.sh runs plain `java`).
java_home() { local j; j=$(command -v java) || return 1; j=$(readlink -f "$j") || return 1; echo "${j%/bin/java}"; }

keytool_bin() { local h; h=$(java_home) && [ -x "$h/bin/keytool" ] && { echo "$h/bin/keytool"; return 0; }; command -v keytool; }

# The keystore file behind the JRE's lib/security/cacerts (on Debian a link into /etc/ssl/certs/java).
cacerts_file() { local h; h=$(java_home) || return 1; readlink -f "$h/lib/security/cacerts"; }

# SHA-256 fingerprints, one a line, of the certificates keytool prints ($@: keytool arguments).
fingerprints() { bounded "$(keytool_bin)" "$@" 2>/dev/null | grep -o '[0-9A-F][0-9A-F]\(:[0-9A-F][0-9A-F]\)\{31\}'; }

# --- check: refuses before the backup, so nothing has changed ------------------------------------------------
check_java_extras() {
  local why
  why=$(java_extras_problem) && return 0
  echo "${why:-the CA certificates or JRE cannot be applied}; refused before the backup, nothing changed"
  return 1
}

java_extras_problem() {
  has_java_extras || return 0
  local h; h=$(java_home) || { echo "no java on PATH: cannot tell which JRE the agent runs on"; return 1; }
  [ "${h#/usr/}" != "$h" ] || [ "${h#/opt/}" != "$h" ] || { echo "the JRE $h is outside /usr and /opt; refused"; return 1; }
  if has_jre; then
    local listing; listing=$(bounded tar -tzf "$STAGE/jre.tar.gz" 2>&1) || { echo "jre.tar.gz is corrupt or truncated: ${listing##*$'\n'}"; return 1; }
    jre_root_in "$listing" > /dev/null || { echo "jre.tar.gz holds no bin/java at its top or in its one top folder"; return 1; }
  fi
  if has_certs; then
    [ -n "$(keytool_bin)" ] || { echo "no keytool in $h/bin or on PATH: cannot add the certificates to the JRE's cacerts"; return 1; }
    command -v update-ca-certificates > /dev/null || { echo "update-ca-certificates is missing"; return 1; }
    [ -f "$(cacerts_file)" ] || { echo "the JRE's cacerts keystore ($h/lib/security/cacerts) is missing"; return 1; }
  fi
}

# The archive's JRE folder, relative to where it is unpacked: "." or its one top folder holding bin/java.
jre_root_in() {
  local line
  while IFS= read -r line; do
    line="${line#./}"
    case "$line" in bin/java) echo .; return 0 ;; */bin/java) [ "${line%%/*}/bin/java" = "$line" ] && { echo "${line%%/*}"; return 0; } ;; esac
  done <<< "$1"
  return 1
}

# --- backup ----------------------------------------------------------------------------------------------------
backup_java_extras() {
  has_java_extras || return 0
  local h p ks list=""
  h=$(java_home) || return 1
  echo "${h#/}" > "$BACKUP/jre.home" || return 1
  if has_jre; then tar -cf "$BACKUP/jre.tar" -C / "${h#/}" || return 1; fi
  if has_certs; then
    ks=$(cacerts_file) || return 1
    for p in $TRUST_PATHS; do [ -e "/$p" ] && list="$list $p"; done
    # The keystore is in the backup whether it lives in /etc/ssl/certs/java or inside the JRE.
    case "$ks" in /etc/ssl/certs/*) ;; *) list="$list ${ks#/}" ;; esac
    echo "${list# }" > "$BACKUP/trust.list" || return 1
    # shellcheck disable=SC2086
    tar -cf "$BACKUP/trust.tar" -C / $list || return 1
  fi
}

# --- apply -----------------------------------------------------------------------------------------------------
apply_jre() {
  has_jre || return 0
  local h new root
  h=/$(< "$BACKUP/jre.home"); new="$h.svpnew"
  rm -rf "$new" "$h.svpold" && mkdir -p "$new" || return 1
  bounded tar -xzf "$STAGE/jre.tar.gz" -C "$new" >> "$RUNDIR/agent.log" 2>&1 || { echo "jre.tar.gz did not extract"; return 1; }
  root=$(jre_root_in "$(cd "$new" && find . -path '*/bin/java')") || { echo "jre.tar.gz has no bin/java"; return 1; }
  bounded "$new/$root/bin/java" -version >> "$RUNDIR/agent.log" 2>&1 || { echo "the new JRE's java -version failed"; return 1; }
  sync
  # Rename into place: a reset leaves the old JRE, or the new one beside a complete backup of the old.
  mv -T "$h" "$h.svpold" || return 1
  if [ "$root" = . ]; then mv -T "$new" "$h" || return 1; else mv -T "$new/$root" "$h" && rm -rf "$new" || return 1; fi
  rm -rf "$h.svpold"
  sync
}

apply_certs() {
  has_certs || return 0
  local f name ks kt fp
  mkdir -p "/$CA_DIR" || return 1
  for f in "$STAGE"/cacert-*.crt; do
    name="${f##*/cacert-}"
    cp "$f" "/$CA_DIR/$name.svpnew" && chmod 644 "/$CA_DIR/$name.svpnew" && mv -f "/$CA_DIR/$name.svpnew" "/$CA_DIR/$name" || { echo "could not install /$CA_DIR/$name"; return 1; }
  done
  bounded update-ca-certificates >> "$RUNDIR/agent.log" 2>&1 || { echo "update-ca-certificates failed or did not finish in time ($DEADLINE_OF)"; return 1; }
  ks=$(cacerts_file) || return 1; kt=$(keytool_bin)
  for f in "$STAGE"/cacert-*.crt; do
    name="${f##*/cacert-}"; fp=$(fingerprints -printcert -file "$f")
    # update-ca-certificates' Java hook may have added it already; keytool refuses a second copy.
    fingerprints -list -keystore "$ks" -storepass "$STOREPASS" | grep -qx "$fp" && continue
    bounded "$kt" -importcert -noprompt -trustcacerts -alias "sysvmpatch-${name%.crt}" -file "$f" -keystore "$ks" -storepass "$STOREPASS" >> "$RUNDIR/agent.log" 2>&1 \
      || { echo "keytool could not add $name to $ks"; return 1; }
  done
  sync
}

# --- validate --------------------------------------------------------------------------------------------------
validate_java_extras() {
  has_java_extras || return 0
  local h f fp bundle_fps store_fps
  h=/$(< "$BACKUP/jre.home")
  bounded "$h/bin/java" -version >> "$RUNDIR/agent.log" 2>&1 || { echo "java -version of $h failed"; return 1; }
  has_certs || return 0
  bundle_fps=$(fingerprints -printcert -file /etc/ssl/certs/ca-certificates.crt)
  store_fps=$(fingerprints -list -keystore "$(cacerts_file)" -storepass "$STOREPASS")
  for f in "$STAGE"/cacert-*.crt; do
    fp=$(fingerprints -printcert -file "$f")
    [ -n "$fp" ] || { echo "keytool could not read ${f##*/cacert-}"; return 1; }
    grep -qx "$fp" <<< "$bundle_fps" || { echo "${f##*/cacert-} is not in /etc/ssl/certs/ca-certificates.crt"; return 1; }
    grep -qx "$fp" <<< "$store_fps" || { echo "${f##*/cacert-} is not in the JRE's cacerts ($(cacerts_file))"; return 1; }
  done
}

# --- rollback: the JRE and trust folders exactly as backed up (called from rollback_restore) ---------------------
restore_java_extras() {
  local h p
  if [ -f "$BACKUP/jre.tar" ]; then
    h=/$(< "$BACKUP/jre.home")
    rm -rf "$h" "$h.svpnew" "$h.svpold" && tar -xpf "$BACKUP/jre.tar" -C / || { echo "could not restore the JRE $h"; return 1; }
  fi
  if [ -f "$BACKUP/trust.list" ]; then
    for p in $TRUST_PATHS $(< "$BACKUP/trust.list"); do rm -rf "/${p:?}"; done
    tar -xpf "$BACKUP/trust.tar" -C / || { echo "could not restore the trust store"; return 1; }
  fi
}
