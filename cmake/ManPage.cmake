# jumio-bridge(1), generated from the binary's --help texts by help2man (packaging/manpage.sh) and
# installed gzipped to share/man/man1. Without help2man the page is skipped with a message; the
# Debian package needs it (scripts/package.sh checks).
find_program(JB_HELP2MAN help2man)
if(JB_HELP2MAN)
  set(JB_MANPAGE "${PROJECT_BINARY_DIR}/jumio-bridge.1.gz")
  add_custom_command(
    OUTPUT "${JB_MANPAGE}"
    COMMAND "${PROJECT_SOURCE_DIR}/packaging/manpage.sh" "$<TARGET_FILE:jumio-bridge>" "${JB_MANPAGE}"
    DEPENDS jumio-bridge "${PROJECT_SOURCE_DIR}/packaging/manpage.sh"
    COMMENT "Generating the jumio-bridge(1) man page with help2man"
    VERBATIM)
  add_custom_target(jumio-bridge-manpage ALL DEPENDS "${JB_MANPAGE}")
  install(FILES "${JB_MANPAGE}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
else()
  message(STATUS "help2man not found: no jumio-bridge(1) man page (apt-get install help2man)")
endif()
