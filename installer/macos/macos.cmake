# macOS: a DragNDrop .dmg with D365 Sync.app, Qt frameworks deployed with macdeployqt.
# WRITTEN BUT UNTESTED: this project is built and tested on Debian 12 only; nothing here has run on macOS.
# Expected use (Qt 6.4+ for macOS, QtKeychain from Homebrew):
#   cmake -S . -B build/mac -G Ninja -DCMAKE_BUILD_TYPE=Release -DD365_BUILD_TESTS=OFF
#   cmake --build build/mac && cd build/mac && cpack -G DragNDrop
# The CLI and the sandbox live inside the bundle (Contents/MacOS) so they share its frameworks; link them onto
# PATH with: ln -s "/Applications/d365sync.app/Contents/MacOS/d365sync-cli" /usr/local/bin/
# The schema and the sample are in Contents/Resources.
if(NOT APPLE)
  return()
endif()

# The icon set: the same renderer writes the PNG sizes iconutil wants, iconutil makes the .icns.
set(iconset ${icons_dir}/d365sync.iconset)
set(iconset_commands)
foreach(size 16 32 128 256 512)
  math(EXPR size2 "${size} * 2")
  list(APPEND iconset_commands
    COMMAND ${render_icon} ${icon_svg} ${iconset}/icon_${size}x${size}.png ${size}
    COMMAND ${render_icon} ${icon_svg} ${iconset}/icon_${size}x${size}@2x.png ${size2})
endforeach()
add_custom_command(OUTPUT ${icons_dir}/d365sync.icns
  COMMAND ${CMAKE_COMMAND} -E make_directory ${iconset}
  ${iconset_commands}
  COMMAND iconutil -c icns -o ${icons_dir}/d365sync.icns ${iconset}
  DEPENDS d365-render-icon ${icon_svg} VERBATIM)
# The rule lives in this directory, the bundle target in app/: a custom target orders them, and the source
# properties are set in the target's directory.
add_custom_target(d365_icns DEPENDS ${icons_dir}/d365sync.icns)
add_dependencies(d365sync d365_icns)
target_sources(d365sync PRIVATE ${icons_dir}/d365sync.icns)
set_source_files_properties(${icons_dir}/d365sync.icns DIRECTORY ${PROJECT_SOURCE_DIR}/app
  PROPERTIES GENERATED TRUE MACOSX_PACKAGE_LOCATION Resources)

set_target_properties(d365sync PROPERTIES
  MACOSX_BUNDLE ON
  MACOSX_BUNDLE_INFO_PLIST ${CMAKE_CURRENT_LIST_DIR}/Info.plist.in
  MACOSX_BUNDLE_GUI_IDENTIFIER ${D365_APP_ID}
  MACOSX_BUNDLE_BUNDLE_NAME "D365 Sync"
  MACOSX_BUNDLE_BUNDLE_VERSION ${PROJECT_VERSION}
  MACOSX_BUNDLE_SHORT_VERSION_STRING ${PROJECT_VERSION}
  MACOSX_BUNDLE_ICON_FILE d365sync.icns)

install(CODE "
  include(\"${QT_DEPLOY_SUPPORT}\")
  qt6_deploy_runtime_dependencies(
    EXECUTABLE d365sync.app
    ADDITIONAL_EXECUTABLES d365sync.app/Contents/MacOS/$<TARGET_FILE_NAME:d365sync-cli>
                           d365sync.app/Contents/MacOS/$<TARGET_FILE_NAME:d365sync-sandbox>)" COMPONENT gui)

# One drag-and-drop image with everything (components make no sense for a .app).
set(CPACK_DMG_VOLUME_NAME "D365 Sync")
set(CPACK_DMG_FORMAT UDZO)
