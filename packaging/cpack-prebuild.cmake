# Run by CPack (CPACK_PRE_BUILD_SCRIPTS) on the staged install tree, before the .deb is written:
#   - /usr/share/doc/jumio-bridge/changelog.Debian.gz, naming the package's version (which
#     scripts/package.sh may set at pack time);
#   - no /etc/jumio-bridge/credentials nor /etc/jumio-bridge/retrieval-credentials in the
#     package: the install rules create them for `cmake --install`, the package's tmpfiles.d entry
#     creates them (0700 root) in postinst, so a purge can remove them with the operator's secrets
#     and dpkg does not own a directory of secrets.

set(root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
if(NOT IS_DIRECTORY "${root}/usr/bin")
  # CPACK_SET_DESTDIR: the tree may sit one level down, in the per-package directory.
  file(GLOB candidates LIST_DIRECTORIES true "${root}/*/usr/bin")
  list(GET candidates 0 candidate)
  get_filename_component(root "${candidate}/../.." ABSOLUTE)
endif()
if(NOT IS_DIRECTORY "${root}/usr/bin")
  message(FATAL_ERROR "cpack-prebuild: no staged tree under ${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
endif()

file(REMOVE_RECURSE "${root}/etc/jumio-bridge/credentials"
     "${root}/etc/jumio-bridge/retrieval-credentials")

if(CPACK_DEBIAN_PACKAGE_VERSION)
  set(version "${CPACK_DEBIAN_PACKAGE_VERSION}")
else()
  set(version "${CPACK_PACKAGE_VERSION}")
endif()
if(CPACK_DEBIAN_PACKAGE_RELEASE)
  string(APPEND version "-${CPACK_DEBIAN_PACKAGE_RELEASE}")
endif()
# SOURCE_DATE_EPOCH, when set, makes the date (and so the package) reproducible.
string(TIMESTAMP date "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(doc "${root}/usr/share/doc/jumio-bridge")
file(MAKE_DIRECTORY "${doc}")
file(WRITE "${doc}/changelog.Debian"
"jumio-bridge (${version}) unstable; urgency=medium

  * Package of jumio-bridge ${CPACK_PACKAGE_VERSION}, built from its source tree with
    scripts/package.sh. What changed is in the project's history.

 -- ${CPACK_DEBIAN_PACKAGE_MAINTAINER}  ${date}
")
execute_process(COMMAND gzip -9nf "${doc}/changelog.Debian" RESULT_VARIABLE gzipped)
if(NOT gzipped EQUAL 0)
  message(FATAL_ERROR "cpack-prebuild: gzip of changelog.Debian failed")
endif()
