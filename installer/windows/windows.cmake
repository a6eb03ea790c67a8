# Windows: NSIS installer (and a ZIP) through CPack, Qt runtime deployed with windeployqt.
# WRITTEN BUT UNTESTED: this project is built and tested on Debian 12 only; nothing here has run on Windows.
# Expected use (Qt 6.4+ for MSVC, NSIS 3 on PATH, QtKeychain built or from vcpkg):
#   cmake -S . -B build/win -G Ninja -DCMAKE_BUILD_TYPE=Release -DD365_BUILD_TESTS=OFF
#   cmake --build build/win && cd build/win && cpack -G NSIS
# Result: d365sync-<version>-win64.exe with three components (the sandbox can be unticked), Start-menu entry,
# an option to put the CLI on PATH, and *.d365map.json opening D365 Sync.
if(NOT WIN32)
  return()
endif()

set_target_properties(d365sync PROPERTIES WIN32_EXECUTABLE ON) # no console window for the GUI
# Application icon in the .exe (resource script next to the rendered .ico).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/d365sync.rc "IDI_ICON1 ICON \"${icons_dir}/d365sync.ico\"\n")
target_sources(d365sync PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/d365sync.rc)
add_dependencies(d365sync d365_icons)

# Qt runtime: windeployqt over all three executables into bin/ (Qt DLLs, platform, sqldrivers, imageformats,
# iconengines, tls plugins) plus qt.conf. It is the "runtime" component every other component needs.
install(CODE "
  include(\"${QT_DEPLOY_SUPPORT}\")
  qt6_deploy_runtime_dependencies(
    EXECUTABLE \${QT_DEPLOY_BIN_DIR}/$<TARGET_FILE_NAME:d365sync>
    ADDITIONAL_EXECUTABLES \${QT_DEPLOY_BIN_DIR}/$<TARGET_FILE_NAME:d365sync-cli>
                           \${QT_DEPLOY_BIN_DIR}/$<TARGET_FILE_NAME:d365sync-sandbox>
    GENERATE_QT_CONF)" COMPONENT runtime)
# windeployqt copies only Qt's own DLLs: QtKeychain comes from its imported target.
install(IMPORTED_RUNTIME_ARTIFACTS qt6keychain RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(FILES ${icons_dir}/d365sync.ico DESTINATION ${D365_DATADIR} COMPONENT gui)

list(APPEND CPACK_COMPONENTS_ALL runtime)
set(CPACK_COMPONENT_RUNTIME_DISPLAY_NAME "Qt runtime")
set(CPACK_COMPONENT_RUNTIME_REQUIRED ON)
set(CPACK_COMPONENT_RUNTIME_HIDDEN ON)
set(CPACK_COMPONENT_CLI_DEPENDS runtime)
set(CPACK_COMPONENT_SANDBOX_DEPENDS runtime)
set(CPACK_COMPONENT_SANDBOX_DISABLED OFF)

set(CPACK_NSIS_DISPLAY_NAME "D365 Sync")
set(CPACK_NSIS_PACKAGE_NAME "D365 Sync")
set(CPACK_NSIS_MUI_ICON ${icons_dir}/d365sync.ico)
set(CPACK_NSIS_MUI_UNIICON ${icons_dir}/d365sync.ico)
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\\\d365sync.exe")
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_MODIFY_PATH ON) # offers to add bin\ (d365sync-cli) to PATH
set(CPACK_NSIS_URL_INFO_ABOUT "https://d365sync.example/")
set(CPACK_PACKAGE_EXECUTABLES d365sync "D365 Sync")
# Mapping files: *.d365map.json -> D365Sync.Mapping -> "d365sync.exe" "%1" (the GUI takes the file as its
# positional argument, like on Linux).
set(CPACK_NSIS_EXTRA_INSTALL_COMMANDS "
  WriteRegStr HKLM 'Software\\\\Classes\\\\.d365map.json' '' 'D365Sync.Mapping'
  WriteRegStr HKLM 'Software\\\\Classes\\\\D365Sync.Mapping' '' 'D365 Sync mapping'
  WriteRegStr HKLM 'Software\\\\Classes\\\\D365Sync.Mapping\\\\DefaultIcon' '' '$INSTDIR\\\\bin\\\\d365sync.exe,0'
  WriteRegStr HKLM 'Software\\\\Classes\\\\D365Sync.Mapping\\\\shell\\\\open\\\\command' '' '\\\"$INSTDIR\\\\bin\\\\d365sync.exe\\\" \\\"%1\\\"'
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'")
set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS "
  DeleteRegKey HKLM 'Software\\\\Classes\\\\.d365map.json'
  DeleteRegKey HKLM 'Software\\\\Classes\\\\D365Sync.Mapping'
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'")
