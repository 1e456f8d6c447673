# What `cmake --install` lays out, and the Debian package CPack builds from the same rules
# (`cpack -G DEB` in the build folder; scripts/package-check.sh builds, installs and tries it).
#
#   PREFIX/bin/crmsyncd, PREFIX/bin/crmsync-sandbox
#   PREFIX/lib/systemd/system/crmsyncd.service, crmsyncd@.service   (ExecStart= points at PREFIX/bin)
#   /etc/crmsync/crmsync.example.yaml, /etc/crmsync/credentials/ (0700)
#   PREFIX/share/doc/crmsync/: README.md, docs/*.md, examples/{crmsync.example,demo}.yaml
#
# The package's PREFIX is /usr. crmsync-sandbox ships in the same package: it is how someone tries the
# daemon on the machine it is installed on without Shopify or HubSpot accounts (docs/sandbox.md), and it
# is inert until started by hand (no unit runs it; it listens on loopback only).

include(GNUInstallDirs)

# systemd's ConfigurationDirectory= is always below /etc, whatever the prefix; DESTDIR still applies.
set(CRMSYNC_INSTALL_CONFDIR "/etc/crmsync" CACHE PATH "Where the example configuration and credentials/ go")

install(TARGETS crmsyncd crmsync-sandbox RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The units in systemd/ name /usr/bin/crmsyncd and /usr/share/doc/crmsync; they are rewritten for the
# prefix in effect at install time (CPack installs with /usr, `cmake --install` defaults to /usr/local,
# whose lib/systemd/system systemd also reads), so a unit never starts a binary that is not there.
set(_crmsync_unit_dir "lib/systemd/system")
install(CODE "set(_crmsync_units_src \"${PROJECT_SOURCE_DIR}/systemd\")
set(_crmsync_bindir \"${CMAKE_INSTALL_BINDIR}\")
set(_crmsync_docdir \"${CMAKE_INSTALL_DOCDIR}\")
set(_crmsync_unit_dir \"${_crmsync_unit_dir}\")")
install(CODE [[
  set(_dir "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${_crmsync_unit_dir}")
  file(MAKE_DIRECTORY "${_dir}")
  foreach(_unit crmsyncd.service crmsyncd@.service)
    file(READ "${_crmsync_units_src}/${_unit}" _text)
    string(REPLACE "/usr/bin/crmsyncd" "${CMAKE_INSTALL_PREFIX}/${_crmsync_bindir}/crmsyncd" _text "${_text}")
    string(REPLACE "file:///usr/share/doc/crmsync/" "file://${CMAKE_INSTALL_PREFIX}/${_crmsync_docdir}/" _text "${_text}")
    message(STATUS "Installing: ${_dir}/${_unit}")
    file(WRITE "${_dir}/${_unit}" "${_text}")
    file(CHMOD "${_dir}/${_unit}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${CMAKE_INSTALL_PREFIX}/${_crmsync_unit_dir}/${_unit}")
  endforeach()
]])

# An example beside the operator's configuration, never the configuration itself: the units read
# crmsync.yaml (or STORE.yaml), which the package neither ships nor touches.
install(FILES config/crmsync.example.yaml DESTINATION ${CRMSYNC_INSTALL_CONFDIR})
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/install/credentials)
install(DIRECTORY ${PROJECT_BINARY_DIR}/install/credentials DESTINATION ${CRMSYNC_INSTALL_CONFDIR}
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
install(FILES config/crmsync.example.yaml config/demo.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The Debian package.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "crmsync")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "crmsync maintainers <maintainers@users.noreply.r-seed-afa1d209.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "two-way sync of Shopify customers and CRM (HubSpot) contacts")
set(CPACK_PACKAGE_DESCRIPTION
    "crmsyncd keeps a Shopify store's customers and a CRM's contacts (HubSpot first) in sync: it polls both
APIs, keeps a local SQLite state cache, and pushes changes within each API's rate limits, without
duplicates or loops. It runs as a hardened systemd service (crmsyncd.service, or crmsyncd@STORE.service
for one instance per store), is configured by one YAML file, and reports on an HTTP status endpoint.
crmsync-sandbox runs emulators of both APIs for trying it out without accounts.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
# Install into the staging folder through DESTDIR with the real prefix, so the units rewritten above
# name /usr/bin/crmsyncd rather than a staging path, and /etc lands inside the package.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX "/usr")

set(CPACK_DEBIAN_PACKAGE_NAME "crmsync")
set(CPACK_DEBIAN_PACKAGE_RELEASE "1")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# dpkg-shlibdeps computes the library dependencies (libc6, libstdc++6, libssl3, libsqlite3-0,
# libyaml-cpp0.7, libfmt9, libspdlog1.10, libboost-json1.81.0 ...); what it cannot see is listed here:
# the CA store for TLS peer verification, and the systemd features the units use (PrivateIPC=, 248).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd (>= 248)")
# Debug symbols go to crmsync-dbgsym_*.ddeb; the .deb itself carries stripped binaries.
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)

# Maintainer scripts: reload systemd, restart running instances after an upgrade, stop them on removal.
# No system user: the units run with DynamicUser=yes.
file(WRITE ${PROJECT_BINARY_DIR}/install/conffiles "${CRMSYNC_INSTALL_CONFDIR}/crmsync.example.yaml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_BINARY_DIR}/install/conffiles;${PROJECT_SOURCE_DIR}/cmake/deb/postinst;${PROJECT_SOURCE_DIR}/cmake/deb/prerm;${PROJECT_SOURCE_DIR}/cmake/deb/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
