# Installs the systemd units (jumio-bridge.service and jumio-bridge-reconcile.service), the service
# user's sysusers.d entry, the tmpfiles.d entry of its directories and the packaged config, with the
# units' paths rewritten for the prefix given at install time (`cmake --install build --prefix /usr`
# leaves them as written: /usr/bin, /etc/jumio-bridge, /usr/share/doc). Run by install(SCRIPT) after
# install(CODE) has set JB_SOURCE_DIR, JB_STAGING_DIR, JB_BINDIR and JB_SYSTEMDUNITDIR. The Debian
# package (cmake/Packaging.cmake) runs the same rules with DESTDIR set and prefix /usr.

set(prefix "${CMAKE_INSTALL_PREFIX}")
if(IS_ABSOLUTE "${JB_BINDIR}")
  set(bindir "${JB_BINDIR}")
else()
  set(bindir "${prefix}/${JB_BINDIR}")
endif()
# As GNUInstallDirs: /etc for the /usr prefix, PREFIX/etc otherwise.
if(prefix STREQUAL "/usr" OR prefix STREQUAL "/")
  set(sysconfdir "/etc")
else()
  set(sysconfdir "${prefix}/etc")
endif()
if(JB_SYSTEMDUNITDIR)
  set(unitdir "${JB_SYSTEMDUNITDIR}")
else()
  set(unitdir "${prefix}/lib/systemd/system")
endif()

# Staged under a name of its own per destination, so that installs into several places at once
# (the tests do) do not share a file.
string(MD5 destination "$ENV{DESTDIR}${unitdir}")
foreach(unit_name jumio-bridge.service jumio-bridge-reconcile.service)
  file(READ "${JB_SOURCE_DIR}/systemd/${unit_name}" unit)
  string(REPLACE "/usr/bin/jumio-bridge" "${bindir}/jumio-bridge" unit "${unit}")
  string(REPLACE "/etc/jumio-bridge" "${sysconfdir}/jumio-bridge" unit "${unit}")
  string(REPLACE "/usr/share/doc/jumio-bridge" "${prefix}/share/doc/jumio-bridge" unit "${unit}")
  file(WRITE "${JB_STAGING_DIR}/${unit_name}.${destination}" "${unit}")
  file(INSTALL "${JB_STAGING_DIR}/${unit_name}.${destination}" DESTINATION "${unitdir}"
       RENAME ${unit_name})
  file(REMOVE "${JB_STAGING_DIR}/${unit_name}.${destination}")
endforeach()

file(INSTALL "${JB_SOURCE_DIR}/systemd/jumio-bridge.sysusers" DESTINATION "${prefix}/lib/sysusers.d"
     RENAME jumio-bridge.conf)

# The tmpfiles.d entry names the credentials directory under the prefix's sysconfdir (the state
# directory is StateDirectory=, always /var/lib).
file(READ "${JB_SOURCE_DIR}/systemd/jumio-bridge.tmpfiles" tmpfiles)
string(REPLACE "/etc/jumio-bridge" "${sysconfdir}/jumio-bridge" tmpfiles "${tmpfiles}")
file(WRITE "${JB_STAGING_DIR}/jumio-bridge.tmpfiles.${destination}" "${tmpfiles}")
file(INSTALL "${JB_STAGING_DIR}/jumio-bridge.tmpfiles.${destination}"
     DESTINATION "${prefix}/lib/tmpfiles.d" RENAME jumio-bridge.conf)
file(REMOVE "${JB_STAGING_DIR}/jumio-bridge.tmpfiles.${destination}")

# The packaged config is installed once: an operator's edited config.yaml stays.
if(EXISTS "$ENV{DESTDIR}${sysconfdir}/jumio-bridge/config.yaml")
  message(STATUS "Keeping: $ENV{DESTDIR}${sysconfdir}/jumio-bridge/config.yaml")
else()
  file(INSTALL "${JB_SOURCE_DIR}/systemd/config.yaml" DESTINATION "${sysconfdir}/jumio-bridge")
endif()

# LoadCredential= fails the start when its directory is missing; an empty one loads nothing.
# credentials/ (Kafka, both units) and retrieval-credentials/ (the Retrieval API, reconcile).
foreach(directory credentials retrieval-credentials)
  set(credentials "$ENV{DESTDIR}${sysconfdir}/jumio-bridge/${directory}")
  if(NOT EXISTS "${credentials}")
    message(STATUS "Installing: ${credentials}")
    file(MAKE_DIRECTORY "${credentials}")
    file(CHMOD "${credentials}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
  endif()
endforeach()
