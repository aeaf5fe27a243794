# The Debian package (`make deb`): install rules, the man pages generated
# from the built binaries, and CPack's DEB generator. CPack rather than
# debhelper because it packages the build tree that `make build` already
# made, with no second compilation and no debian/ source tree; the
# maintainer scripts in packaging/deb do by hand what debhelper would
# generate (docs/ARCHITECTURE.md, "Debian package").
include(GNUInstallDirs)
find_program(HELP2MAN help2man)
find_program(GZIP gzip REQUIRED)

set(bs_pkg ${CMAKE_SOURCE_DIR}/packaging)
set(bs_man ${CMAKE_BINARY_DIR}/man)

# Man pages: help2man runs each binary's --help and --version, and
# blackstart.json(5) lists what `blackstart --list-config-keys` prints, so
# none of them can drift from the code. gzip -n: no timestamp in the file.
set(bs_man_pages)
if(HELP2MAN)
  foreach(tool blackstart blackstart-ctl)
    if(tool STREQUAL "blackstart")
      set(summary "DHCPv4 server that reads Kea's configuration and never forgets a lease")
    else()
      set(summary "command-line client for the blackstart control API")
    endif()
    add_custom_command(OUTPUT ${bs_man}/${tool}.8.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${bs_man}
      COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section=8 --name=${summary}
              --include=${bs_pkg}/man/${tool}.h2m --output=${bs_man}/${tool}.8 $<TARGET_FILE:${tool}>
      COMMAND ${GZIP} -9nf ${bs_man}/${tool}.8
      DEPENDS ${tool} ${bs_pkg}/man/${tool}.h2m VERBATIM)
    list(APPEND bs_man_pages ${bs_man}/${tool}.8.gz)
  endforeach()
  add_custom_command(OUTPUT ${bs_man}/blackstart.json.5.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${bs_man}
    COMMAND ${bs_pkg}/man/keys2man.sh $<TARGET_FILE:blackstart> ${bs_pkg}/man/blackstart.json.5.in
            ${PROJECT_VERSION} ${bs_man}/blackstart.json.5
    COMMAND ${GZIP} -9nf ${bs_man}/blackstart.json.5
    DEPENDS blackstart ${bs_pkg}/man/keys2man.sh ${bs_pkg}/man/blackstart.json.5.in VERBATIM)
  list(APPEND bs_man_pages ${bs_man}/blackstart.json.5.gz)
  add_custom_target(man DEPENDS ${bs_man_pages})
endif()

set(bs_doc ${CMAKE_BINARY_DIR}/doc)
set(bs_docs README.md docs/ARCHITECTURE.md docs/CONTROL_API.md docs/KEA_DIFFERENCES.md
    docs/SECURITY.md)
set(bs_doc_files ${bs_doc}/changelog.Debian.gz)
foreach(doc ${bs_docs})
  get_filename_component(name ${doc} NAME)
  list(APPEND bs_doc_files ${bs_doc}/${name}.gz)
  add_custom_command(OUTPUT ${bs_doc}/${name}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${bs_doc}
    COMMAND sh -c "${GZIP} -9nc ${CMAKE_SOURCE_DIR}/${doc} > ${bs_doc}/${name}.gz"
    DEPENDS ${CMAKE_SOURCE_DIR}/${doc} VERBATIM)
endforeach()
add_custom_command(OUTPUT ${bs_doc}/changelog.Debian.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${bs_doc}
  COMMAND sh -c "${GZIP} -9nc ${bs_pkg}/deb/changelog > ${bs_doc}/changelog.Debian.gz"
  DEPENDS ${bs_pkg}/deb/changelog VERBATIM)
add_custom_target(package-files ALL DEPENDS ${bs_doc_files})
if(HELP2MAN)
  add_dependencies(package-files man)
endif()

install(TARGETS blackstart blackstart-ctl RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/etc/blackstart.json DESTINATION /etc/blackstart
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${CMAKE_SOURCE_DIR}/etc/blackstart.json DESTINATION ${CMAKE_INSTALL_DATADIR}/blackstart
        RENAME blackstart.json.example)
install(FILES ${bs_pkg}/blackstart.service DESTINATION /lib/systemd/system)
install(DIRECTORY DESTINATION /var/lib/blackstart)
install(FILES ${bs_doc_files} ${bs_pkg}/deb/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${bs_pkg}/deb/blackstart.lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME blackstart)
foreach(page ${bs_man_pages})
  string(REGEX MATCH "[0-9]\\.gz$" section ${page})
  string(SUBSTRING ${section} 0 1 section)
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME blackstart)
set(CPACK_PACKAGE_VENDOR "blackstart")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "DHCPv4 server that reads Kea's configuration")
# CPack puts the summary first and indents these lines itself.
set(CPACK_PACKAGE_DESCRIPTION
    "blackstart serves DHCPv4 from the Dhcp4 part of a Kea configuration file.
Every lease is written to SQLite (or Kea's memfile CSV) and fsynced before
the ACK, so a power cut never makes it hand out an address twice. It has
an HTTP control API, a status page, Prometheus metrics and a command-line
client, blackstart-ctl.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER
    "blackstart maintainers <maintainers@users.noreply.r-seed-f3b749ab.example>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# procps: the unit's ExecReload is /bin/kill.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~), procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${bs_pkg}/deb/postinst ${bs_pkg}/deb/prerm ${bs_pkg}/deb/postrm ${bs_pkg}/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
