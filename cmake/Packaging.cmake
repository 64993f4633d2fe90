# The Debian package, built by CPack's DEB generator from the ordinary install rules:
# scripts/package.sh runs cpack on an already built tree. Its layout is `cmake --install --prefix
# /usr` (DESTDIR staging, so /etc/jumio-bridge/config.yaml lands in the package), stripped, plus:
#   - packaging/debian/{conffiles,postinst,prerm,postrm}: the conffile and the maintainer scripts;
#   - packaging/cpack-prebuild.cmake: changelog.Debian.gz for the package's version, and the
#     credentials directory left to tmpfiles.d (postinst);
#   - Depends: dpkg-shlibdeps' libraries, and systemd (sysusers, tmpfiles, the unit itself).
# The version is the project's with Debian revision 1; package.sh can re-pack another one
# (cpack -D CPACK_PACKAGE_VERSION=... -D CPACK_DEBIAN_PACKAGE_RELEASE=...) without rebuilding.
set(JB_PACKAGE_MAINTAINER "jumio-bridge maintainers <maintainers@users.noreply.r-seed-9098af65.example>"
    CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME jumio-bridge)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${JB_PACKAGE_MAINTAINER}")
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PRE_BUILD_SCRIPTS "${PROJECT_SOURCE_DIR}/packaging/cpack-prebuild.cmake")
set(CPACK_JB_SOURCE_DIR "${PROJECT_SOURCE_DIR}")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # jumio-bridge_<version>-<revision>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${JB_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Jumio identity-verification callbacks to Kafka
jumio-bridge receives the callbacks Jumio sends for ID verification
(Netverify), authentication and document verification over HTTP, turns
each into one canonical JSON event and publishes it to a Kafka topic
chosen by callback type and status. A callback is answered 200 only once
Kafka has acknowledged it or it is fsynced to a local spool; one it
cannot understand goes whole to a dead-letter topic, from which it can
be replayed.
.
The service is installed but neither enabled nor started: set the Kafka
brokers in /etc/jumio-bridge/config.yaml first. So is the optional
jumio-bridge-reconcile service, which asks Jumio's Retrieval API for the
results of transactions whose callback never arrived.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/debian/conffiles"
    "${PROJECT_SOURCE_DIR}/packaging/debian/postinst"
    "${PROJECT_SOURCE_DIR}/packaging/debian/prerm"
    "${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
