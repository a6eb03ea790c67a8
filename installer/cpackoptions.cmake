# CPACK_PROJECT_CONFIG_FILE: read by cpack once per generator, so settings can differ between them.
if(CPACK_GENERATOR STREQUAL "DEB")
  # Debian packages install into /usr (binaries in /usr/bin, data in /usr/share/d365sync, ...).
  set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
elseif(CPACK_GENERATOR MATCHES "^(TGZ|ZIP)$")
  # The archive is relocatable: d365sync-<version>-linux-<arch>/{bin,share}/..., run bin/d365sync from anywhere.
  set(CPACK_PACKAGING_INSTALL_PREFIX "/")
  set(CPACK_PACKAGE_FILE_NAME "${CPACK_D365_ARCHIVE_NAME}")
endif()
